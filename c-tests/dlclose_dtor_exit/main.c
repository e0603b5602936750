// A destructor that calls exit() during dlclose ends the program with its
// status, as under glibc: dlclose does not return, and main's atexit
// handlers run (checked natively with gcc).
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void handler(void) { printf("main: atexit handler\n"); }

int main(void) {
  atexit(handler);
  void *h = dlopen("libdexit.so", RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  printf("main: dlclose\n");
  int r = dlclose(h);
  printf("main: dlclose returned %d (must not appear)\n", r);
  return 0;
}
