const char *who(void) { return "ok"; }
