// A worker calls exit(3) (from a side module) while main is blocked in
// pthread_join on a thread that waits forever on a condition variable. The
// process ends with status 3 and the buffered output, main's included, is
// written.
#include <pthread.h>
#include <stdio.h>

void quit_now(int status);

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_cond_t started_cv = PTHREAD_COND_INITIALIZER;
static int started;

static void *blocker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  started = 1;
  pthread_cond_broadcast(&started_cv);
  for (;;) pthread_cond_wait(&never, &m);  // nobody signals
  return NULL;
}

static void *exiter(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  while (!started) pthread_cond_wait(&started_cv, &m);
  pthread_mutex_unlock(&m);
  printf("worker: blocker is waiting\n");
  quit_now(3);
  return NULL;
}

int main(void) {
  printf("main: starting threads\n");
  pthread_t b, e;
  pthread_create(&b, NULL, blocker, NULL);
  printf("main: joining the blocker\n");
  pthread_create(&e, NULL, exiter, NULL);
  pthread_join(b, NULL);
  printf("main: never here\n");
  return 0;
}
