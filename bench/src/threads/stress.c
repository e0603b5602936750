// Stress: 8 threads open, look up, call and close a handful of libraries
// for a number of rounds; each checks every result. Pointers from dlsym
// must stay valid on every thread, and opening the same libraries again
// must not make the table or the heap grow without bound.
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 8
#define LIBS 4
static int rounds = 200;
static const char *names[LIBS][2] = {
    {"libplug1.so", "./libplug1.so"}, {"libplug2.so", "./libplug2.so"},
    {"libplug3.so", "./libplug3.so"}, {"libplug4.so", "./libplug4.so"}};
static int (*volatile shared_fn)(int);
static uintptr_t max_fn[THREADS];
static int failures;

static void *run(void *arg) {
  int me = (int)(intptr_t)arg;
  for (int r = 0; r < rounds; r++) {
    int k = (me + r) % LIBS;
    void *h = dlopen(names[k][r & 1], RTLD_NOW | RTLD_LOCAL);
    if (!h) { __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST); continue; }
    int (*call)(int) = (int (*)(int))dlsym(h, "plug_call");
    int *data = (int *)dlsym(h, "plug_data");
    if (!call || !data || call(1) != 1 + *data || *data != k + 1)
      __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
    if ((uintptr_t)call > max_fn[me]) max_fn[me] = (uintptr_t)call;
    shared_fn = call;                       // another thread calls it next
    int (*other)(int) = shared_fn;
    if (other && other(0) <= 0) __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
    dlclose(h);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) rounds = atoi(argv[1]);
  uintptr_t heap_start = (uintptr_t)sbrk(0);
  pthread_t t[THREADS];
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 128 * 1024);
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], &attr, run, (void *)(intptr_t)i);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  uintptr_t top = 0;
  for (int i = 0; i < THREADS; i++) if (max_fn[i] > top) top = max_fn[i];
  printf("threads %d rounds %d failures %d\n", THREADS, rounds, failures);
  printf("heap growth: %lu bytes\n", (unsigned long)((uintptr_t)sbrk(0) - heap_start));
  printf("highest function pointer: %lu\n", (unsigned long)top);
  return failures != 0;
}
