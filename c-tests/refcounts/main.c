#include <stdio.h>
#include <dlfcn.h>

typedef int (*fn)(void);

int main(void) {
  void *h1 = dlopen("libx.so", RTLD_NOW);
  void *h2 = dlopen("libx.so", RTLD_NOW);
  void *h3 = dlopen("./libx.so", RTLD_NOW);
  if (!h1 || !h2 || !h3) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  printf("same handle twice: %d\n", h1 == h2);
  fn inc1 = (fn)dlsym(h1, "x_inc");
  fn get2 = (fn)dlsym(h2, "x_get");
  fn inc3 = (fn)dlsym(h3, "x_inc");
  fn get3 = (fn)dlsym(h3, "x_get");
  printf("same function: %d %d\n", inc1 == inc3, get2 == get3);
  inc1(); inc1();
  printf("after 2 increments via h1: h2 sees %d, ./ handle sees %d\n", get2(), get3());
  inc3();
  printf("after 1 increment via ./ handle: h2 sees %d\n", get2());
  printf("dlclose: %d %d %d\n", dlclose(h3), dlclose(h2), dlclose(h1));
  return 0;
}
