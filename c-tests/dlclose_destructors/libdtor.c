#include <stdio.h>
#include <stdlib.h>
static void handler(void) { printf("lib atexit handler\n"); }
__attribute__((constructor)) static void init(void) {
  printf("lib constructor\n");
  atexit(handler);
}
__attribute__((destructor)) static void fini(void) { printf("lib destructor\n"); }
int lib_value(void) { return 42; }
