#include <stdio.h>
int b_ready = 0;
__attribute__((constructor)) static void b_ctor(void) { b_ready = 1; printf("ctor libb\n"); }
int b_value(void) { return 2; }
