// Counters shared by every thread, living in a side module's data.
#include <pthread.h>
#include <stdatomic.h>

atomic_int shared_hits;
_Atomic long long shared_wide;
static long locked_total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void locked_add(long v) {
  pthread_mutex_lock(&lock);
  locked_total += v;
  pthread_mutex_unlock(&lock);
}

long locked_read(void) {
  pthread_mutex_lock(&lock);
  long v = locked_total;
  pthread_mutex_unlock(&lock);
  return v;
}
