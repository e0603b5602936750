#include <stdio.h>
#include <dlfcn.h>
int main_val = 100;
int side_add(int a, int b);
extern int counter;
int main(int argc, char **argv) {
  printf("hello %d %d\n", side_add(1,2), counter);
  void *h = dlopen("libdyn.so", RTLD_NOW);
  if (!h) { printf("err %s\n", dlerror()); return 1; }
  int (*f)(int) = dlsym(h, "dyn_f");
  printf("dyn %d\n", f(3));
  return 0;
}
