// A constructor that calls exit() during dlopen ends the program with its
// status, as under glibc: dlopen does not return, and main's atexit
// handlers run and stdio is flushed (checked natively with gcc).
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void handler(void) { printf("main: atexit handler\n"); }

int main(void) {
  atexit(handler);
  printf("main: dlopen libexit.so\n");
  void *h = dlopen("libexit.so", RTLD_NOW);
  printf("main: dlopen returned %s (must not appear)\n", h ? "a handle" : dlerror());
  return 0;
}
