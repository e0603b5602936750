// A worker reads through an invalid pointer inside a side module while main
// waits in pthread_join: the program ends with a trap (status 134) and a
// message naming the thread, never a crash of dlrun or a hang.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

int side_get(volatile int *p);

static void *run(void *arg) {
  (void)arg;
  return (void *)(intptr_t)side_get((int *)(intptr_t)0x7ff00000);
}

int main(void) {
  printf("before\n");
  fflush(stdout);
  pthread_t t;
  pthread_create(&t, NULL, run, NULL);
  pthread_join(t, NULL);
  printf("not reached\n");
  return 0;
}
