// -sMAIN_MODULE=2 exports only what its link-time libraries use; a library
// dlopened later still finds puts and strlen (Emscripten's JS library
// defines both), as it would in glibc's libc.so.
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  void *h = dlopen("libputs.so", RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  int (*greet)(const char *) = (int (*)(const char *))dlsym(h, "greet");
  printf("greet() = %d\n", greet ? greet("a reader of twenty-nine bytes") : -1);
  return 0;
}
