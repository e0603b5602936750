// Creates threads (64 KiB stacks) that all wait until released, until
// pthread_create fails or 64 exist, and prints how many it got and the error.
// Run with dlrun --max-threads 4, the fifth pthread_create fails with EAGAIN,
// as glibc's does at the RLIMIT_NPROC limit; once the threads are joined, new
// ones can be created again.
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MAX 64
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int released, waiting;

static void *hold(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  waiting++;
  pthread_cond_broadcast(&cv);
  while (!released) pthread_cond_wait(&cv, &m);
  waiting--;
  pthread_mutex_unlock(&m);
  return NULL;
}

static const char *err_name(int e) {
  switch (e) {
    case 0: return "ok";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    default: return "other";
  }
}

int main(void) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t t[MAX];
  int created = 0, rc = 0;
  while (created < MAX) {
    rc = pthread_create(&t[created], &attr, hold, NULL);
    if (rc) break;
    created++;
  }
  printf("created %d\n", created);
  printf("pthread_create failed with %s\n", err_name(rc));

  pthread_mutex_lock(&m);
  while (waiting < created) pthread_cond_wait(&cv, &m);
  printf("waiting %d\n", waiting);
  released = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&m);
  int joined = 0;
  for (int i = 0; i < created; i++) joined += pthread_join(t[i], NULL) == 0;
  printf("joined %d\n", joined);

  // Joined threads no longer count against the limit.
  pthread_t again;
  rc = pthread_create(&again, &attr, hold, NULL);
  printf("after joining, pthread_create: %s\n", err_name(rc));
  if (rc == 0) printf("join: %d\n", pthread_join(again, NULL));
  return 0;
}
