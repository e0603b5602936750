// Work done by detached threads; each reports completion on a semaphore that
// lives in this side module.
#include <semaphore.h>

sem_t work_done;
static long results[8];

void work_init(void) { sem_init(&work_done, 0, 0); }

void work_run(int id) {
  long v = 1;
  for (int i = 0; i < 1000 + id; i++) v = (v * 31 + i) % 1000003;
  results[id] = v;
  sem_post(&work_done);
}

long work_result(int id) { return results[id]; }
