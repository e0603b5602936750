#include <stdio.h>

/* Weak undefined references that main does define. */
extern int main_data __attribute__((weak));
extern int main_fn(void) __attribute__((weak));

/* Weak definition in a dlopened library; main's strong one should win. */
__attribute__((weak)) const char *hook(void) { return "dlopened weak hook"; }

void maybe_report(void) {
  printf("main_data: %s %d\n", &main_data ? "present" : "absent", &main_data ? main_data : -1);
  printf("main_fn: %s %d\n", main_fn ? "present" : "absent", main_fn ? main_fn() : -1);
  printf("dlopened lib calls hook: %s\n", hook());
}
