/* Constructor order: dependencies before dependents (libb, liba), as under
   ELF. The main module runs first because its constructors are libc's and
   libc++'s own initialisation (environ, stdio, iostream), which a library
   constructor must be able to rely on: main plays the part of libc.so. */
#include <stdio.h>
#include <dlfcn.h>
int a_value(void);
extern int a_saw_b_ready;
__attribute__((constructor)) static void main_ctor(void) { printf("ctor main\n"); }
int main(void) {
  printf("main start\n");
  printf("a_value %d, liba ctor saw libb ready: %d\n", a_value(), a_saw_b_ready);
  printf("before dlopen\n");
  void *h = dlopen("libdyn.so", RTLD_NOW);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  printf("after dlopen\n");
  int (*dyn_value)(void) = (int (*)(void))dlsym(h, "dyn_value");
  printf("dyn_value %d\n", dyn_value());
  return 0;
}
