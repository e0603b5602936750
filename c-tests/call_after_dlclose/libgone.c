int gone(void) { return 7; }
