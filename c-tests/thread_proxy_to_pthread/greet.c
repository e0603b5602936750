#include <stdio.h>
#include <pthread.h>
static pthread_t first_caller;
// Prints a greeting; says whether the caller is the thread that called first.
void greet(const char *who) {
  static int calls;
  if (calls++ == 0) first_caller = pthread_self();
  printf("%s says hello (first caller: %s)\n", who,
         pthread_equal(first_caller, pthread_self()) ? "yes" : "no");
}
