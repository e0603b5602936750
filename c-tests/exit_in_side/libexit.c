#include <stdio.h>
#include <stdlib.h>

int side_exit(int code) {
  printf("side: about to exit(%d)\n", code);
  exit(code);
  printf("side: after exit (must not appear)\n");
  return -1;
}
