#include <stdio.h>
extern int b_ready;
int b_value(void);
int a_saw_b_ready = -1;
__attribute__((constructor)) static void a_ctor(void) {
  a_saw_b_ready = b_ready;
  printf("ctor liba\n");
}
int a_value(void) { return 10 * b_value(); }
