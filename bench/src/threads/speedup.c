// CPU-bound work in a side module split over T threads: the same total work
// for any T, so the wall time for T = 1 over T = 2 is the speed-up.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

unsigned long long a_work(unsigned long long from, unsigned long long to);

static unsigned long long total_work = 400000000ull;
struct part { unsigned long long from, to, sum; };

static void *run(void *arg) {
  struct part *p = arg;
  p->sum = a_work(p->from, p->to);
  return NULL;
}

int main(int argc, char **argv) {
  int t = argc > 1 ? atoi(argv[1]) : 1;
  if (argc > 2) total_work = strtoull(argv[2], 0, 10);
  struct part parts[16];
  pthread_t ids[16];
  if (t < 1 || t > 16) return 2;
  for (int i = 0; i < t; i++) {
    parts[i].from = total_work * i / t;
    parts[i].to = total_work * (i + 1) / t;
    pthread_create(&ids[i], NULL, run, &parts[i]);
  }
  unsigned long long sum = 0;
  for (int i = 0; i < t; i++) { pthread_join(ids[i], NULL); sum += parts[i].sum; }
  printf("threads %d checksum %llu\n", t, sum % 1000003);
  return 0;
}
