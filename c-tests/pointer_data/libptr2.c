#include <stdio.h>
/* dlopened module whose data points into main and into libptr.so. */
extern const char *const colours[];
extern char greeting[];
extern int main_counter;
int own_neg(int);
int main_twice(int);

const char *const *p_colours = &colours[2];
char *p_greeting = greeting;
int *p_counter = &main_counter;
int (*p_fns[])(int) = {own_neg, main_twice};
static const char *strs[] = {"x", "yy", "zzz"};
static const char **strs_ptrs[] = {&strs[2], &strs[0]};

void dump2(void) {
  printf("dump2 %s %s %d %d %d %s %s\n", *p_colours, p_greeting, *p_counter,
         p_fns[0](4), p_fns[1](4), *strs_ptrs[0], *strs_ptrs[1]);
}
