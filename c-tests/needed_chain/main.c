#include <stdio.h>
int a_func(int x);
int a_report(void);
int main(void) {
  printf("result %d\n", a_func(5));
  printf("result %d\n", a_func(-1));
  a_report();
  return 0;
}
