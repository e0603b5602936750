#include <stdio.h>
#include <stdlib.h>

__attribute__((destructor)) static void fini(void) {
  printf("libdexit: destructor calls exit(3)\n");
  exit(3);
}

int loaded(void) { return 1; }
