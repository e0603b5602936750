// Three producers and two consumers through a queue in a side module that
// is guarded by pthread_mutex_t/pthread_cond_t. Each consumer stops at a
// -1 sentinel; main prints the totals after joining everyone.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

void queue_init(void);
void queue_put(int v);
int queue_get(void);
int queue_count(void);

#define PRODUCERS 3
#define CONSUMERS 2
#define PER_PRODUCER 3000

struct result { long sum; int count; int in_order; };
static struct result results[CONSUMERS];

static void *producer(void *arg) {
  int id = (int)(intptr_t)arg;
  for (int k = 1; k <= PER_PRODUCER; k++) queue_put(id * 100000 + k);
  return NULL;
}

static void *consumer(void *arg) {
  struct result *r = arg;
  int last[PRODUCERS] = {0};
  r->in_order = 1;
  for (;;) {
    int v = queue_get();
    if (v < 0) break;
    r->sum += v;
    r->count++;
    // values from one producer reach one consumer in increasing order
    int p = v / 100000, k = v % 100000;
    if (k <= last[p]) r->in_order = 0;
    last[p] = k;
  }
  return NULL;
}

int main(void) {
  queue_init();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t prod[PRODUCERS], cons[CONSUMERS];
  for (int i = 0; i < CONSUMERS; i++) pthread_create(&cons[i], &attr, consumer, &results[i]);
  for (int i = 0; i < PRODUCERS; i++) pthread_create(&prod[i], &attr, producer, (void *)(intptr_t)i);
  for (int i = 0; i < PRODUCERS; i++) pthread_join(prod[i], NULL);
  printf("producers done\n");
  for (int i = 0; i < CONSUMERS; i++) queue_put(-1);
  for (int i = 0; i < CONSUMERS; i++) pthread_join(cons[i], NULL);
  long sum = 0;
  int count = 0, in_order = 1;
  for (int i = 0; i < CONSUMERS; i++) {
    sum += results[i].sum;
    count += results[i].count;
    in_order &= results[i].in_order;
  }
  long want = 0;
  for (int p = 0; p < PRODUCERS; p++)
    for (int k = 1; k <= PER_PRODUCER; k++) want += p * 100000 + k;
  printf("consumed %d values, sum %ld (want %ld), in order %d, left %d\n", count, sum, want,
         in_order, queue_count());
  return 0;
}
