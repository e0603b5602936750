#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main_triple(int x);
long long main_wide(long long a, int b, double c);

static int desc(const void *a, const void *b) {
  return *(const int *)b - *(const int *)a;
}

int user_calls(void) {
  char buf[64];
  int v[] = {3, 9, 1, 7};
  qsort(v, 4, sizeof v[0], desc);
  snprintf(buf, sizeof buf, "%d-%d", main_triple(4), v[0]);
  printf("user: %s, wide %lld, strlen %zu, atoi %d\n", buf, main_wide(5, 6, 7.9),
         strlen(buf), atoi("1234"));
  return v[3] + abs(-10);
}

int (*user_addr_of_triple(void))(int) { return main_triple; }
int (*user_addr_of_abs(void))(int) { return abs; }
long long (*user_addr_of_wide(void))(long long, int, double) { return main_wide; }
