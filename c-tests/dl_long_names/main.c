// A name longer than any symbol or file name is a valid string: dlsym and
// dlopen do not find it and say so in glibc's words (the name cut short
// in the message), as glibc does (checked natively with gcc); the
// program carries on.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LONG = 70000 };

static void show(const char *what, void *result) {
  const char *e = dlerror();
  printf("%s: %s\n", what, result ? "found" : "NULL");
  printf("  dlerror: %s\n", e ? e : "(none)");
}

int main(void) {
  char *name = malloc(LONG + 1);
  if (!name) return 1;
  memset(name, 'x', LONG);
  name[LONG] = 0;
  void *h = dlopen("libok.so", RTLD_NOW);
  if (!h) return 2;
  show("dlsym(handle, long name)", dlsym(h, name));
  show("dlsym(RTLD_DEFAULT, long name)", dlsym(RTLD_DEFAULT, name));
  show("dlopen(long name)", dlopen(name, RTLD_NOW));
  memcpy(name, "./", 2);
  show("dlopen(./long name)", dlopen(name, RTLD_NOW));
  show("dlsym(handle, \"ok\") after them", dlsym(h, "ok"));
  free(name);
  return 0;
}
