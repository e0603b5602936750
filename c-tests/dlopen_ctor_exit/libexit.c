#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void init(void) {
  printf("libexit: constructor calls exit(7)\n");
  exit(7);
}

int never_called(void) { return 1; }
