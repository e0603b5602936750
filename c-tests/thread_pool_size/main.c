// Built with -sPTHREAD_POOL_SIZE=2 (Emscripten's JS starts two workers ahead
// of time): two rounds of four threads, more than the pool holds, each round
// all running at once; every thread sees fresh thread-locals.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

int pool_touch(int id);

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int arrived;

static void *run(void *arg) {
  int id = (int)(intptr_t)arg;
  int fresh = pool_touch(id);
  // wait until all four of this round are running at once
  pthread_mutex_lock(&m);
  arrived++;
  pthread_cond_broadcast(&cv);
  while (arrived % 4 != 0) pthread_cond_wait(&cv, &m);
  pthread_mutex_unlock(&m);
  return (void *)(intptr_t)(fresh * 100 + id);
}

int main(void) {
  for (int round = 0; round < 2; round++) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
      int rc = pthread_create(&t[i], NULL, run, (void *)(intptr_t)(round * 4 + i));
      if (rc) { printf("pthread_create: %d\n", rc); return 1; }
    }
    for (int i = 0; i < 4; i++) {
      void *ret;
      pthread_join(t[i], &ret);
      int v = (int)(intptr_t)ret;
      printf("round %d thread %d: fresh %d\n", round, v % 100, v / 100);
    }
  }
  printf("arrived %d\n", arrived);
  return 0;
}
