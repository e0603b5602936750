// -sMAIN_MODULE=2 exports only what its link-time libraries use: no
// memalign, so a dlopened library's static data comes from malloc.
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("libplug.so", RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  int (*sum)(void) = (int (*)(void))dlsym(h, "plug_sum");
  printf("plug_sum() = %d\n", sum ? sum() : -1);
  return 0;
}
