#include <stdlib.h>
int *mem2_make(int n) {
  int *p = malloc((n + 1) * sizeof *p);
  for (int i = 0; i <= n; i++) p[i] = i * 2;
  return p;
}
int mem2_check_free(int *p, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += p[i];
  free(p);
  return s;
}
