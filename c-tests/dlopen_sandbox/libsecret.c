const char *who(void) { return "secret"; }
