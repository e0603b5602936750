#include <stdio.h>
#include <dlfcn.h>

int main_data = 55;
int main_fn(int x) { return 65 + x; }

int main(void) {
  void *h = dlopen("libmaybe.so", RTLD_NOW);
  if (!h) { printf("dlopen libmaybe: %s\n", dlerror()); return 1; }
  void (*report)(void) = (void (*)(void))dlsym(h, "maybe_report");
  report();
  return 0;
}
