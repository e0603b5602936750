#include <stdio.h>
int helper_twice(int x);
const char *helper_name(void);
extern int helper_count;
int plugin_run(int x) {
  int r = helper_twice(x) + 1;
  printf("plugin_run(%d) via %s -> %d (helper_count=%d)\n", x, helper_name(), r, helper_count);
  return r;
}
int *plugin_count_addr(void) { return &helper_count; }
