extern int shared_sym __attribute__((weak));
int b_sees(void) { return &shared_sym ? shared_sym : -1; }
