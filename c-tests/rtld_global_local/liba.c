int shared_sym = 42;
int a_get(void) { return shared_sym; }
