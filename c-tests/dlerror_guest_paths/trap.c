__attribute__((constructor)) static void init(void) { __builtin_trap(); }
int trap(void) { return 1; }
