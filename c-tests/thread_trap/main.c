// A worker calls abort() in a side module while main waits in pthread_join:
// the whole process ends with SIGABRT (status 134). stdout is flushed
// explicitly before, since abort itself does not flush it.
#include <pthread.h>
#include <stdio.h>

void bad_abort(void);

static void *run(void *arg) {
  (void)arg;
  bad_abort();
  printf("worker: never here\n");
  return NULL;
}

int main(void) {
  printf("main: starting the worker\n");
  pthread_t t;
  pthread_create(&t, NULL, run, NULL);
  pthread_join(t, NULL);
  printf("main: never here\n");
  return 0;
}
