#include <stdio.h>
#include <stdlib.h>

/* defined in main */
int main_double(int x);
int main_negate(int x);
int main_cmp_desc(const void *a, const void *b);

int cmp_ints_asc(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}
int side_fn(int x) { return x + 1000; }

typedef int (*fn_t)(int);
typedef int (*cmp_t)(const void *, const void *);

/* a static table of main-module function pointers, filled by data relocations */
static fn_t table[] = { main_double, main_negate, side_fn };
static cmp_t cmp_table[] = { cmp_ints_asc, main_cmp_desc };

/* addresses taken inside the side module */
fn_t side_addr_of_side_fn(void) { return side_fn; }
fn_t side_addr_of_main_double(void) { return main_double; }
cmp_t side_addr_of_cmp(void) { return cmp_ints_asc; }
fn_t side_table_entry(int i) { return table[i]; }

int side_apply_table(int v) {
  int r = v;
  for (int i = 0; i < 3; i++) {
    r = table[i](r);
    printf("  table[%d] -> %d\n", i, r);
  }
  return r;
}

void side_sort(int *a, int n, int which) {
  qsort(a, n, sizeof(int), cmp_table[which]);
}
