#include <stdio.h>

int file_io(void);

int main(void) {
  printf("start\n");
  int r = file_io();
  printf("done %d\n", r);
  return r;
}
