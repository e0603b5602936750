// Main dlopens a library, two workers call it and then block on a condition
// variable; main dlcloses the library while they are blocked (they never call
// it again), then lets them finish.
//
// expected is glibc's output: dlclose unloads (the destructor runs) and the
// reopen runs the constructor again. Emscripten's libc makes dlclose a no-op
// (see dlclose_destructors), so expected.emcc, which is what node prints
// too, has neither line.
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static int (*work)(int);
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, go;
static int results[2];

static void *run(void *arg) {
  int i = (int)(intptr_t)arg;
  int r = work(i + 3);
  pthread_mutex_lock(&m);
  results[i] = r;
  ready++;
  pthread_cond_broadcast(&cv);
  while (!go) pthread_cond_wait(&cv, &m);
  results[i] += 1000;
  pthread_mutex_unlock(&m);
  return (void *)(intptr_t)(i + 1);
}

int main(void) {
  void *h = dlopen("libwork.so", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  work = (int (*)(int))dlsym(h, "work");
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, run, (void *)(intptr_t)i);

  pthread_mutex_lock(&m);
  while (ready < 2) pthread_cond_wait(&cv, &m);
  printf("workers idle: results %d %d\n", results[0], results[1]);
  pthread_mutex_unlock(&m);

  work = NULL;
  printf("dlclose: %d\n", dlclose(h));

  pthread_mutex_lock(&m);
  go = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&m);
  for (int i = 0; i < 2; i++) {
    void *ret;
    pthread_join(t[i], &ret);
    printf("worker %d finished: %d, returned %d\n", i, results[i], (int)(intptr_t)ret);
  }
  void *again = dlopen("libwork.so", RTLD_NOW);
  int (*w)(int) = again ? (int (*)(int))dlsym(again, "work") : NULL;
  printf("reopened: work(9) = %d\n", w ? w(9) : -1);
  printf("dlclose: %d\n", dlclose(again));
  return 0;
}
