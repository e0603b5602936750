// main returns 0 while a worker spins in an endless loop in a side module:
// returning from main is exit(0), which ends the process, worker included.
// (The same program as thread_return_main, built with -sEXIT_RUNTIME=1.)
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

void spin_forever(atomic_int *running);
extern volatile unsigned long spins;
static atomic_int running;

static void *run(void *arg) {
  (void)arg;
  spin_forever(&running);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, run, NULL);
  while (!atomic_load(&running)) sched_yield();
  unsigned long before = spins;
  while (spins == before) sched_yield();
  printf("worker is spinning; main returns 0\n");
  printf("unterminated last line");
  return 0;
}
