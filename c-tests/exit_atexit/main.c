#include <stdio.h>
#include <stdlib.h>

int side_exit(int code);
static void main_first(void) { printf("main atexit handler 1 (registered first)\n"); }
static void main_second(void) { printf("\nmain atexit handler 2\n"); }

int main(void) {
  atexit(main_first);
  atexit(main_second);
  printf("main: calling side_exit\n");
  int r = side_exit(5);
  printf("main: side_exit returned %d (must not appear)\n", r);
  return 0;
}
