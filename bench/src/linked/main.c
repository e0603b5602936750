/* Linked: main with three NEEDED libraries (liba, libb, libc_), each of
 * which gives the start-up link something to do: relocated data and a
 * constructor, address-taken functions, imports from libc. The in-process
 * load measurements (examples/reload) run on this program. */
#include <stdio.h>
#include <stdlib.h>

extern const char *const a_name;
int a_ready(void);
int b_apply(int op, int x);
char *c_join(const char *x, const char *y);

int main(void) {
  char *s = c_join(a_name, "beta");
  printf("linked %d %d %d %s\n", a_ready(), b_apply(0, 7), b_apply(1, 7), s ? s : "?");
  free(s);
  return 0;
}
