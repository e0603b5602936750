#include <stdio.h>
#include <dlfcn.h>

const char *hook(void) { return "main strong hook"; }
int weak_data = 2;
int main_data = 55;
int main_fn(void) { return 66; }

const char *lonely(void);
extern int lonely_data;
void side_report(void);

int main(void) {
  printf("main calls hook: %s\n", hook());
  printf("main reads weak_data: %d\n", weak_data);
  printf("main calls lonely: %s\n", lonely());
  printf("main reads lonely_data: %d\n", lonely_data);
  side_report();
  void *h = dlopen("libmaybe.so", RTLD_NOW);
  if (!h) { printf("dlopen libmaybe: %s\n", dlerror()); return 1; }
  void (*report)(void) = (void (*)(void))dlsym(h, "maybe_report");
  report();
  return 0;
}
