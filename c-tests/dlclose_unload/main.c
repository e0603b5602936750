/* glibc: dlclose drops the reference count and unloads at zero, so a later
   dlopen loads the library afresh (constructor again, static data reset).
   Emscripten's libc makes dlclose a no-op, so this runs in the clang
   flavours, where libc-shim passes dlclose to dlrun. */
#include <stdio.h>
#include <dlfcn.h>
int main(void) {
  void *a = dlopen("libplug.so", RTLD_NOW);
  void *b = dlopen("libplug.so", RTLD_NOW);
  int (*bump)(void) = (int (*)(void))dlsym(a, "bump");
  int first = bump();
  int second = bump();
  printf("same handle %d, bump %d %d\n", a == b, first, second);
  printf("close one: %d\n", dlclose(b));
  printf("still there: %s\n", dlsym(a, "bump") ? "yes" : "no");
  printf("close last: %d\n", dlclose(a));
  printf("noload after close: %s\n", dlopen("libplug.so", RTLD_NOW | RTLD_NOLOAD) ? "loaded" : "gone");
  void *c = dlopen("libplug.so", RTLD_NOW);
  int (*bump2)(void) = (int (*)(void))dlsym(c, "bump");
  printf("fresh copy bump %d\n", bump2());
  void *d = dlopen("libplug.so", RTLD_NOW | RTLD_NODELETE);
  printf("nodelete close: %d %d\n", dlclose(d), dlclose(c));
  printf("noload after nodelete: %s\n", dlopen("libplug.so", RTLD_NOW | RTLD_NOLOAD) ? "loaded" : "gone");
  return 0;
}
