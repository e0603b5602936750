// Four threads each call a function of a NEEDED side module; main joins
// them and prints what each returned through pthread_join.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

int calc_work(int id);
extern atomic_int calc_calls;

int main_bias(int id) { return id * 100000; }

static void *run(void *arg) {
  int id = (int)(intptr_t)arg;
  return (void *)(intptr_t)calc_work(id);
}

int main(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    int rc = pthread_create(&t[i], NULL, run, (void *)(intptr_t)i);
    if (rc) { printf("pthread_create %d failed: %d\n", i, rc); return 1; }
  }
  long total = 0;
  for (int i = 0; i < 4; i++) {
    void *ret;
    int rc = pthread_join(t[i], &ret);
    printf("thread %d: join %d, returned %d\n", i, rc, (int)(intptr_t)ret);
    total += (int)(intptr_t)ret;
  }
  printf("total %ld, calls %d\n", total, atomic_load(&calc_calls));
  printf("main thread computes %d\n", calc_work(9));
  return 0;
}
