#include <stdio.h>
#include <stdlib.h>
#include <dlfcn.h>

typedef int (*fn_t)(int);
typedef int (*cmp_t)(const void *, const void *);

int main_double(int x) { return x * 2; }
int main_negate(int x) { return -x; }
int main_cmp_desc(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x < y) - (x > y);
}

int cmp_ints_asc(const void *a, const void *b);
int side_fn(int x);
fn_t side_addr_of_side_fn(void);
fn_t side_addr_of_main_double(void);
cmp_t side_addr_of_cmp(void);
fn_t side_table_entry(int i);
int side_apply_table(int v);
void side_sort(int *a, int n, int which);

static void print_arr(const char *label, const int *a, int n) {
  printf("%s:", label);
  for (int i = 0; i < n; i++) printf(" %d", a[i]);
  printf("\n");
}

int main(void) {
  int a[] = {5, -3, 17, 0, 8, 2, -10};
  int n = sizeof a / sizeof a[0];

  /* side-module comparator passed to libc qsort from main */
  qsort(a, n, sizeof(int), cmp_ints_asc);
  print_arr("asc (side cmp, main qsort)", a, n);
  side_sort(a, n, 1);
  print_arr("desc (main cmp, side qsort)", a, n);
  side_sort(a, n, 0);
  print_arr("asc (side cmp, side qsort)", a, n);

  void *h = dlopen("libfp.so", RTLD_NOW);
  if (!h) { printf("dlopen libfp failed: %s\n", dlerror()); return 1; }
  cmp_t cmp_dl = (cmp_t)dlsym(h, "cmp_ints_asc");
  fn_t side_fn_dl = (fn_t)dlsym(h, "side_fn");
  qsort(a, n, sizeof(int), main_cmp_desc);
  qsort(a, n, sizeof(int), cmp_dl);
  print_arr("asc (dlsym cmp)", a, n);

  /* pointer identity */
  printf("side_fn: main==side %d, main==dlsym %d, side==dlsym %d\n",
         (fn_t)side_fn == side_addr_of_side_fn(), (fn_t)side_fn == side_fn_dl,
         side_addr_of_side_fn() == side_fn_dl);
  printf("cmp: main==side %d, main==dlsym %d\n",
         (cmp_t)cmp_ints_asc == side_addr_of_cmp(), (cmp_t)cmp_ints_asc == cmp_dl);
  printf("main_double: main==side %d, main==table %d, negate==table %d, side_fn==table %d\n",
         (fn_t)main_double == side_addr_of_main_double(),
         (fn_t)main_double == side_table_entry(0),
         (fn_t)main_negate == side_table_entry(1),
         (fn_t)side_fn == side_table_entry(2));
  printf("distinct: %d\n", (fn_t)main_double != (fn_t)main_negate);

  /* side module calling main functions through its static table */
  printf("apply_table(21) = %d\n", side_apply_table(21));

  /* a dlopened module sees the same addresses */
  void *d = dlopen("libdyn.so", RTLD_NOW);
  if (!d) { printf("dlopen libdyn failed: %s\n", dlerror()); return 1; }
  fn_t (*dyn_md)(void) = (fn_t (*)(void))dlsym(d, "dyn_addr_of_main_double");
  fn_t (*dyn_sf)(void) = (fn_t (*)(void))dlsym(d, "dyn_addr_of_side_fn");
  int (*dyn_call)(fn_t, int) = (int (*)(fn_t, int))dlsym(d, "dyn_call");
  printf("dyn: main_double %d, side_fn %d\n",
         dyn_md() == (fn_t)main_double, dyn_sf() == (fn_t)side_fn);
  printf("dyn_call(main_negate, 5) = %d, dyn_call(side_fn, 5) = %d\n",
         dyn_call(main_negate, 5), dyn_call(side_fn_dl, 5));
  return 0;
}
