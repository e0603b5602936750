#include <stdio.h>
int c_calls = 0;
int c_value = 3;
int c_func(int x) {
  c_calls++;
  printf("    c_func(%d)\n", x);
  return x * c_value;
}
