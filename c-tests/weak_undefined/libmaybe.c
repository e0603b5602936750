#include <stdio.h>

/* Weak undefined: nobody defines these. */
extern int maybe __attribute__((weak));
extern int maybe_arr[] __attribute__((weak));
extern int maybe_fn(int) __attribute__((weak));
/* Weak undefined that main does define. */
extern int main_data __attribute__((weak));
extern int main_fn(int) __attribute__((weak));

/* Static data pointing at weak undefined symbols. */
int *maybe_ptr = &maybe;
int (*maybe_fp)(int) = maybe_fn;

void maybe_report(void) {
  printf("maybe: %s\n", &maybe ? "present" : "absent");
  printf("maybe_arr: %s\n", maybe_arr ? "present" : "absent");
  printf("maybe_fn: %s %d\n", maybe_fn ? "present" : "absent", maybe_fn ? maybe_fn(1) : -1);
  printf("maybe_ptr: %s\n", maybe_ptr ? "present" : "absent");
  printf("maybe_fp: %s\n", maybe_fp ? "present" : "absent");
  printf("main_data: %s %d\n", &main_data ? "present" : "absent", &main_data ? main_data : -1);
  printf("main_fn: %s %d\n", main_fn ? "present" : "absent", main_fn ? main_fn(1) : -1);
}
