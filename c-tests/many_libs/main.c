#include <stdio.h>
#include <dlfcn.h>

int f0(void), f1(void), f2(void), f3(void), f4(void), f5(void), f6(void), f7(void), f8(void), f9(void);
extern int v0, v9;

int main(void) {
  int linked = f0() + f1() + f2() + f3() + f4() + f5() + f6() + f7() + f8() + f9();
  printf("linked sum %d, v0 %d, v9 %d\n", linked, v0, v9);

  void *handles[100];
  long fsum = 0, vsum = 0;
  int opened = 0, same_fn = 0;
  for (int i = 0; i < 100; i++) {
    char name[32], sym[16];
    snprintf(name, sizeof name, "lib%d.so", i);
    handles[i] = dlopen(name, RTLD_NOW);
    if (!handles[i]) { printf("dlopen %s: %s\n", name, dlerror()); return 1; }
    opened++;
    snprintf(sym, sizeof sym, "f%d", i);
    int (*f)(void) = (int (*)(void))dlsym(handles[i], sym);
    snprintf(sym, sizeof sym, "v%d", i);
    int *v = dlsym(handles[i], sym);
    if (!f || !v) { printf("dlsym in %s failed: %s\n", name, dlerror()); return 1; }
    fsum += f();
    vsum += *v;
    if (i == 0) same_fn = (f == f0) && (v == &v0);
  }
  printf("opened %d, f sum %ld, v sum %ld, lib0 shared with NEEDED copy %d\n", opened, fsum, vsum, same_fn);
  v0 = 7;
  int *v0p = dlsym(handles[0], "v0");
  printf("write through NEEDED name seen via dlsym: %d\n", *v0p);
  int distinct = 1;
  for (int i = 0; i < 100; i++)
    for (int j = i + 1; j < 100; j++)
      if (handles[i] == handles[j]) distinct = 0;
  printf("handles distinct %d\n", distinct);
  return 0;
}
