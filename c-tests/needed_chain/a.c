#include <stdio.h>
int b_func(int x);
int b_get_c_calls(void);
extern int b_calls;
int a_func(int x) {
  printf("a_func(%d)\n", x);
  return b_func(x * 2) + 10000;
}
int a_report(void) {
  printf("a sees b_calls=%d c_calls=%d\n", b_calls, b_get_c_calls());
  return b_calls;
}
