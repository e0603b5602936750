int hello_lib(void) { return 42; }
