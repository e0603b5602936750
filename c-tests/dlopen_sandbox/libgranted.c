const char *who(void) { return "granted"; }
