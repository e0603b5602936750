#include <stdio.h>
#include <dlfcn.h>
static void report(const char *what) {
  const char *e = dlerror();
  printf("%s: dlerror %s\n", what, e ? "set" : "NULL");
}
int main(void) {
  void *g = dlopen("libgood.so", RTLD_NOW);
  if (!g) { printf("dlopen failed\n"); return 1; }
  /* a failed dlsym followed by a successful one: glibc resets the error
     state at the start of each dl* call, so the error is gone */
  dlsym(g, "missing_one");
  int (*f)(int) = (int (*)(int))dlsym(g, "good_func");
  report("failed dlsym then good dlsym");
  /* a failed dlopen followed by a successful dlopen of a new library */
  dlopen("libmissing.so", RTLD_NOW);
  void *o = dlopen("libother.so", RTLD_NOW);
  report("failed dlopen then good dlopen");
  if (!f || !o) return 1;
  printf("good_func(1) = %d\n", f(1));
  /* the error survives when nothing else is called */
  dlsym(g, "missing_two");
  report("failed dlsym alone");
  report("read again");
  return 0;
}
