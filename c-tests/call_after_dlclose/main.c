// A pointer into a library that was unloaded: its table entry is empty, so
// the call traps (glibc would fault on the unmapped code) and dlrun says
// what kind of pointer it was.
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("./libgone.so", RTLD_NOW);
  int (*f)(void) = (int (*)(void))dlsym(h, "gone");
  printf("before dlclose: %d\n", f());
  fflush(stdout);
  dlclose(h);
  printf("after dlclose: %d\n", f());
  return 0;
}
