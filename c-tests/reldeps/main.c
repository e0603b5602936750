// glibc's relocation dependencies: libb.so binds a_value from liba.so
// through the global scope without needing it, so liba.so stays loaded as
// long as libb.so does, even after its own handle is closed.
#include <dlfcn.h>
#include <stdio.h>

static const char *loaded(const char *name) {
  void *h = dlopen(name, RTLD_NOW | RTLD_NOLOAD);
  if (!h)
    return "not loaded";
  dlclose(h);
  return "loaded";
}

int main(void) {
  void *a = dlopen("./liba.so", RTLD_NOW | RTLD_GLOBAL);
  void *b = dlopen("./libb.so", RTLD_NOW);
  if (!a || !b) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int (*b_value)(void) = (int (*)(void))dlsym(b, "b_value");
  dlclose(a);
  printf("after dlclose(liba): liba %s\n", loaded("./liba.so"));
  printf("b_value() = %d\n", b_value());
  dlclose(b);
  printf("after dlclose(libb): liba %s, libb %s\n", loaded("./liba.so"), loaded("./libb.so"));
  return 0;
}
