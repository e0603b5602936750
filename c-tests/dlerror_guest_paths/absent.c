int absent(void) { return 1; }
