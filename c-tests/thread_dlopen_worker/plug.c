#include <stdio.h>
int plug_factor = 6;
__attribute__((constructor)) static void init(void) { printf("plug constructor\n"); }
int plug_scale(int x) { return x * plug_factor; }
