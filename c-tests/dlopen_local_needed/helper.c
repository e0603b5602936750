#include <stdio.h>
int helper_count = 0;
int helper_twice(int x) {
  helper_count++;
  return 2 * x;
}
const char *helper_name(void) { return "helper"; }
