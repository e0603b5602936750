#include <stdio.h>
static int calls;
__attribute__((constructor)) static void init(void) { printf("work constructor\n"); }
__attribute__((destructor)) static void fini(void) { printf("work destructor (%d calls)\n", calls); }
int work(int x) {
  __atomic_fetch_add(&calls, 1, __ATOMIC_SEQ_CST);
  return x * x + 1;
}
