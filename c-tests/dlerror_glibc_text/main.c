// dlerror's words are glibc's, so a program that prints them prints what
// it prints natively (the directories searched are in --trace dl).
#include <dlfcn.h>
#include <stdio.h>

static void show(const char *what) {
  const char *e = dlerror();
  printf("%s: %s\n", what, e ? e : "(no error)");
}

int main(void) {
  dlopen("libmissing.so", RTLD_NOW);
  show("missing library");
  dlopen("./sub/libmissing.so", RTLD_NOW);
  show("missing path");
  dlopen("./libg.so", 0);
  show("no binding mode");
  void *h = dlopen("./libg.so", RTLD_NOW);
  dlsym(h, "no_such_symbol");
  show("missing symbol");
  void *none = dlopen("./libunused.so", RTLD_NOW | RTLD_NOLOAD);
  printf("RTLD_NOLOAD of a library not loaded: %s\n", none ? "handle" : "NULL");
  show("after it");
  none = dlopen("./libnever.so", RTLD_NOW | RTLD_NOLOAD);
  printf("RTLD_NOLOAD of a file not there: %s\n", none ? "handle" : "NULL");
  show("after it");
  return 0;
}
