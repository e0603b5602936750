// liba.so and libb.so need each other. Closing the only handle unloads
// both, as glibc does: what keeps a library is being reachable from an
// open handle, not a count its own cycle holds up.
#include <dlfcn.h>
#include <stdio.h>

static const char *state(const char *name) {
  void *h = dlopen(name, RTLD_NOW | RTLD_NOLOAD);
  if (!h)
    return "not loaded";
  dlclose(h);
  return "loaded";
}

int main(void) {
  void *a = dlopen("./liba.so", RTLD_NOW);
  if (!a) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  int (*a_calls_b)(void) = (int (*)(void))dlsym(a, "a_calls_b");
  int (*b_calls_a)(void) = (int (*)(void))dlsym(a, "b_calls_a");
  printf("a_calls_b() = %d, b_calls_a() = %d\n", a_calls_b(), b_calls_a());
  printf("open: liba %s, libb %s\n", state("./liba.so"), state("./libb.so"));
  dlclose(a);
  printf("closed: liba %s, libb %s\n", state("./liba.so"), state("./libb.so"));
  return 0;
}
