#include <stdio.h>
#include <stdlib.h>

static void side_handler(void) { printf("side atexit handler\n"); }
__attribute__((destructor)) static void side_dtor(void) { printf("side destructor\n"); }

int side_exit(int code) {
  atexit(side_handler);
  printf("side: exit(%d)\n", code);
  printf("side: unterminated line");
  exit(code);
  printf("side: after exit (must not appear)\n");
  return -1;
}
