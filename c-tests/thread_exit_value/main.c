// Threads end with pthread_exit from nested calls in a side module; main
// joins each one (one at a time, so the workers' lines are in order) and
// prints the value pthread_join returns.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

int exit_deep(int depth, intptr_t value);

static void *run(void *arg) {
  int depth = (int)(intptr_t)arg;
  intptr_t value = depth == 2 ? -1 : depth * 111;
  int r = exit_deep(depth, value);
  printf("  thread with depth %d returned from exit_deep: %d\n", depth, r);
  return (void *)(intptr_t)(r + 5000);
}

int main(void) {
  for (int depth = 1; depth <= 4; depth++) {
    printf("thread with depth %d:\n", depth);
    pthread_t t;
    pthread_create(&t, NULL, run, (void *)(intptr_t)depth);
    void *ret;
    int rc = pthread_join(t, &ret);
    printf("joined: %d, value %d\n", rc, (int)(intptr_t)ret);
  }
  return 0;
}
