// Eight threads (256 KiB stacks) add to counters in a side module: 100000
// atomic_fetch_add each on an atomic_int, and 100000 increments of a plain
// counter under a mutex; a compare-exchange loop keeps a shared maximum and a
// 64-bit atomic sums the thread ids.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

extern atomic_int shared_hits;
extern _Atomic long long shared_wide;
void locked_add(long v);
long locked_read(void);

#define THREADS 8
#define ROUNDS 100000
static atomic_int max_seen;
static atomic_int arrived;

static void *run(void *arg) {
  int id = (int)(intptr_t)arg;
  atomic_fetch_add(&arrived, 1);
  for (int k = 0; k < ROUNDS; k++) {
    atomic_fetch_add(&shared_hits, 1);
    locked_add(1);
  }
  int cand = id * 37 % 11, cur = atomic_load(&max_seen);
  while (cand > cur && !atomic_compare_exchange_weak(&max_seen, &cur, cand)) {}
  atomic_fetch_add(&shared_wide, (1LL << 32) + id);
  return NULL;
}

int main(void) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  size_t size;
  pthread_attr_getstacksize(&attr, &size);
  printf("stack size %zu\n", size);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    int rc = pthread_create(&t[i], &attr, run, (void *)(intptr_t)i);
    if (rc) { printf("pthread_create %d: %d\n", i, rc); return 1; }
  }
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  pthread_attr_destroy(&attr);
  printf("%d\n", atomic_load(&shared_hits));
  printf("%ld\n", locked_read());
  printf("threads %d, max %d, wide %llx\n", atomic_load(&arrived), atomic_load(&max_seen),
         (unsigned long long)atomic_load(&shared_wide));
  return 0;
}
