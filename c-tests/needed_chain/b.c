#include <stdio.h>
int c_func(int x);
extern int c_calls;
int b_calls = 0;
int b_func(int x) {
  b_calls++;
  printf("  b_func(%d)\n", x);
  return c_func(x + 1) + 100;
}
int b_get_c_calls(void) { return c_calls; }
