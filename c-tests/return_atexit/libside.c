#include <stdio.h>
#include <stdlib.h>
static void side_handler(void) { printf("side atexit handler\n"); }
__attribute__((destructor)) static void side_dtor(void) { printf("side destructor\n"); }
void side_register(void) { atexit(side_handler); }
