#include <stdio.h>
#include <stdlib.h>
void side_register(void);
static void main_handler(void) { printf("\nmain atexit handler\n"); }
int main(void) {
  atexit(main_handler);
  side_register();
  printf("main returns 4 without a newline");
  return 4;
}
