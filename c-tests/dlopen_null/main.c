#include <stdio.h>
#include <dlfcn.h>

int main_global = 1234;
int main_square(int x) { return x * x; }

int need_twice(int x);  /* from libneed.so, linked as NEEDED */
extern int need_val;

int main(void) {
  void *self = dlopen(NULL, RTLD_NOW);
  if (!self) { printf("dlopen(NULL): %s\n", dlerror()); return 1; }
  printf("dlopen(NULL) ok\n");
  int (*sq)(int) = (int (*)(int))dlsym(self, "main_square");
  int *g = dlsym(self, "main_global");
  printf("main_square: %s %d\n", sq == main_square ? "same" : "different", sq ? sq(9) : -1);
  printf("main_global: %s %d\n", g == &main_global ? "same" : "different", g ? *g : -1);
  int (*tw)(int) = (int (*)(int))dlsym(self, "need_twice");
  int *nv = dlsym(self, "need_val");
  printf("need_twice: %s %d\n", tw == need_twice ? "same" : "different", tw ? tw(21) : -1);
  printf("need_val: %s %d\n", nv == &need_val ? "same" : "different", nv ? *nv : -1);
  main_global = 5;
  need_val = 6;
  printf("after writes: %d %d\n", g ? *g : -1, nv ? *nv : -1);
  printf("missing: %s\n", dlsym(self, "no_such_symbol") ? "found" : "not found");
  return 0;
}
