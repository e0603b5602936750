#include <stdio.h>

/* Weak definitions; main.c has strong definitions of the same names. */
__attribute__((weak)) const char *hook(void) { return "side weak hook"; }
__attribute__((weak)) int weak_data = 1;

/* Weak definitions nobody overrides. */
__attribute__((weak)) const char *lonely(void) { return "side lonely"; }
__attribute__((weak)) int lonely_data = 3;

void side_report(void) {
  printf("side calls hook: %s\n", hook());
  printf("side reads weak_data: %d\n", weak_data);
  printf("side calls lonely: %s\n", lonely());
  printf("side reads lonely_data: %d\n", lonely_data);
}
