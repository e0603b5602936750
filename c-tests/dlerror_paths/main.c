#include <stdio.h>
#include <string.h>
#include <dlfcn.h>

static void report(const char *what, const char *needle) {
  const char *e = dlerror();
  printf("%s: dlerror %s", what, e ? "set" : "NULL");
  if (e && needle) printf(", mentions %s: %d", needle, strstr(e, needle) != NULL);
  printf("\n");
  const char *again = dlerror();
  printf("%s: second dlerror %s\n", what, again ? "set" : "NULL");
}

int main(void) {
  printf("initial dlerror %s\n", dlerror() ? "set" : "NULL");

  void *h = dlopen("libmissing.so", RTLD_NOW);
  printf("dlopen missing: %s\n", h ? "handle" : "NULL");
  report("missing lib", "libmissing.so");

  void *h2 = dlopen("./no/such/dir/libnowhere.so", RTLD_LAZY);
  printf("dlopen missing path: %s\n", h2 ? "handle" : "NULL");
  report("missing path", "libnowhere.so");

  void *g = dlopen("libgood.so", RTLD_NOW);
  printf("dlopen good: %s\n", g ? "handle" : "NULL");
  report("good lib", NULL);
  if (!g) return 1;

  void *s = dlsym(g, "no_such_symbol");
  printf("dlsym missing: %s\n", s ? "found" : "NULL");
  report("missing sym", "no_such_symbol");

  int (*f)(int) = (int (*)(int))dlsym(g, "good_func");
  int *v = (int *)dlsym(g, "good_value");
  printf("dlsym good: %s %s\n", f ? "found" : "NULL", v ? "found" : "NULL");
  report("good sym", NULL);
  if (!f || !v) return 1;
  printf("good_func(41) = %d, good_value = %d\n", f(41), *v);

  printf("dlclose good: %d\n", dlclose(g));
  return 0;
}
