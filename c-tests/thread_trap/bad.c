#include <stdio.h>
#include <stdlib.h>
static void bad_inner(int n) {
  printf("worker: calling abort %d levels down\n", n);
  fflush(stdout);  // abort does not flush stdio
  abort();
}
void bad_abort(void) { bad_inner(2); }
