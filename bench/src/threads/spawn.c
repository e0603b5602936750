// Thread spawn cost: N threads created and joined one after another, each
// calling into a NEEDED library, with main and three libraries loaded.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int c_value(int);

static void *run(void *arg) { return (void *)(long)c_value((int)(long)arg); }

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  long total = 0;
  for (int i = 0; i < n; i++) {
    pthread_t t;
    void *r;
    if (pthread_create(&t, &attr, run, (void *)(long)i)) { printf("create failed\n"); return 1; }
    pthread_join(t, &r);
    total += (long)r;
  }
  printf("threads %d total %ld\n", n, total);
  return 0;
}
