// A bounded queue guarded by a pthread mutex and two condition variables,
// living in a side module (its state is this module's data).
#include <pthread.h>

#define CAP 8
static int buf[CAP];
static int head, count;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full;
int queue_waits;  // times a caller had to wait (not printed: timing-dependent)

void queue_init(void) { pthread_cond_init(&not_full, NULL); }

void queue_put(int v) {
  pthread_mutex_lock(&mutex);
  while (count == CAP) {
    queue_waits++;
    pthread_cond_wait(&not_full, &mutex);
  }
  buf[(head + count) % CAP] = v;
  count++;
  pthread_cond_signal(&not_empty);
  pthread_mutex_unlock(&mutex);
}

int queue_get(void) {
  pthread_mutex_lock(&mutex);
  while (count == 0) {
    queue_waits++;
    pthread_cond_wait(&not_empty, &mutex);
  }
  int v = buf[head];
  head = (head + 1) % CAP;
  count--;
  pthread_cond_signal(&not_full);
  pthread_mutex_unlock(&mutex);
  return v;
}

int queue_count(void) {
  pthread_mutex_lock(&mutex);
  int n = count;
  pthread_mutex_unlock(&mutex);
  return n;
}
