// Reads through whatever pointer it is given.
int side_get(volatile int *p) { return *p; }
