#define _GNU_SOURCE
#include <stdio.h>
#include <dlfcn.h>

static const char *found(const char *name) {
  return dlsym(RTLD_DEFAULT, name) ? "found" : "not found";
}

int main(void) {
  void *a = dlopen("liba.so", RTLD_NOW | RTLD_LOCAL);
  if (!a) { printf("dlopen liba: %s\n", dlerror()); return 1; }
  printf("liba opened local\n");
  printf("RTLD_DEFAULT shared_sym: %s\n", found("shared_sym"));
  printf("RTLD_DEFAULT a_get: %s\n", found("a_get"));
  int *p = dlsym(a, "shared_sym");
  printf("via handle: %d\n", p ? *p : -1);

  void *b = dlopen("libb.so", RTLD_NOW);
  if (!b) { printf("dlopen libb: %s\n", dlerror()); return 1; }
  int (*b_sees)(void) = (int (*)(void))dlsym(b, "b_sees");
  printf("libb sees: %d\n", b_sees());

  /* Emscripten's libc answers a repeated dlopen of the same string from
     its own list without asking the loader, so the promotion is spelled
     with another name for the same file ("./liba.so"). */
  void *none = dlopen("./libnever.so", RTLD_NOW | RTLD_NOLOAD);
  printf("noload of an unloaded lib: %s\n", none ? "handle" : "NULL");
  void *a2 = dlopen("./liba.so", RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  printf("noload promote: %s\n", a2 ? "handle" : "NULL");
  printf("RTLD_DEFAULT shared_sym: %s\n", found("shared_sym"));
  int *q = dlsym(RTLD_DEFAULT, "shared_sym");
  printf("same object: %d\n", q == p);
  printf("libb still sees: %d\n", b_sees());

  void *c = dlopen("liblate.so", RTLD_NOW);
  if (!c) { printf("dlopen liblate: %s\n", dlerror()); return 1; }
  int (*c_sees)(void) = (int (*)(void))dlsym(c, "c_sees");
  printf("liblate sees: %d\n", c_sees());
  return 0;
}
