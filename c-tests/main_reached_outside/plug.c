#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main_triple(int x);

int plug_calls(void) {
  char *s = strdup("plugged");
  int n = (int)strlen(s) + main_triple(2);
  printf("plug: %s %d\n", s, n);
  free(s);
  return n;
}

int (*plug_addr_of_triple(void))(int) { return main_triple; }
int (*plug_addr_of_abs(void))(int) { return abs; }
