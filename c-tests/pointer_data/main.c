#include <stdio.h>
#include <string.h>
#include <dlfcn.h>

int main_counter = 3;
int main_twice(int x) { return 2 * x; }

extern const char *const colours[];
extern char greeting[];
extern int (*puts_ptr)(const char *);
extern int (*ops[])(int);
extern int *main_counter_ptr;
int own_neg(int);
void dump(void);

/* Main's own static data pointing into the side module. */
const char *const *main_colours = colours;
char *main_greeting = greeting;
int (*main_neg)(int) = own_neg;

int main(void) {
  dump();
  printf("main sees colour %s, greeting %s, neg %d\n", main_colours[1], main_greeting, main_neg(5));
  printf("puts_ptr == puts %d, ops[1] == own_neg %d, ops[2] == main_twice %d\n",
         puts_ptr == puts, ops[1] == own_neg, ops[2] == main_twice);
  printf("main_counter_ptr ok %d\n", main_counter_ptr == &main_counter);
  main_counter = 9;
  greeting[0] = 'J';
  dump();

  void *h = dlopen("libptr2.so", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  void (*dump2)(void) = (void (*)(void))dlsym(h, "dump2");
  dump2();
  return 0;
}
