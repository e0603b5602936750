// A library's destructors and atexit handlers run when dlclose unloads it
// (glibc's __cxa_finalize), not later at exit when its code is gone; the
// program's own handlers and the stdio flush still run when main returns 0.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void main_handler(void) { printf("main atexit handler\n"); }

int main(void) {
  atexit(main_handler);
  void *h = dlopen("./libdtor.so", RTLD_NOW);
  int (*value)(void) = (int (*)(void))dlsym(h, "lib_value");
  printf("lib_value() = %d\n", value());
  dlclose(h);
  printf("after dlclose\n");
  printf("last line without a newline");
  return 0;
}
