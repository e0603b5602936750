#include <stdio.h>
int side_exit(int code);
int main(void) {
  printf("main: calling side_exit\n");
  int r = side_exit(7);
  printf("main: side_exit returned %d (must not appear)\n", r);
  return 0;
}
