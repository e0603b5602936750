// Six detached threads (three created detached, three detached afterwards
// with pthread_detach) signal completion through a sem_t; main waits for all
// of them, then prints their results in order.
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>

extern sem_t work_done;
void work_init(void);
void work_run(int id);
long work_result(int id);

static void *run(void *arg) {
  work_run((int)(intptr_t)arg);
  return NULL;
}

int main(void) {
  work_init();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int state;
  pthread_attr_getdetachstate(&attr, &state);
  printf("attr detached: %d\n", state == PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < 3; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, run, (void *)(intptr_t)i)) { printf("create failed\n"); return 1; }
  }
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_JOINABLE);
  for (int i = 3; i < 6; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, run, (void *)(intptr_t)i)) { printf("create failed\n"); return 1; }
    printf("pthread_detach: %d\n", pthread_detach(t));
  }
  for (int i = 0; i < 6; i++) sem_wait(&work_done);
  int left;
  sem_getvalue(&work_done, &left);
  printf("all 6 done, semaphore now %d, trywait %d\n", left, sem_trywait(&work_done));
  for (int i = 0; i < 6; i++) printf("result %d: %ld\n", i, work_result(i));
  return 0;
}
