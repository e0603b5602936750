#include <stdio.h>
__attribute__((constructor)) static void dyn_ctor(void) { printf("ctor libdyn\n"); }
int dyn_value(void) { return 7; }
