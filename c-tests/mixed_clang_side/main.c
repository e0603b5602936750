#include <stdio.h>
#include <dlfcn.h>
int main(void) {
  void *h = dlopen("libplug.so", RTLD_NOW);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  int (*f)(const char *) = dlsym(h, "plug_len");
  printf("len=%d\n", f("hello"));
  return 0;
}
