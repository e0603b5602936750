// EM_JS functions called from several threads at once: one JavaScript
// engine serves the program, each call sees its own thread's arguments and
// writes into memory every thread shares.
#include <emscripten.h>
#include <pthread.h>
#include <stdio.h>

EM_JS(int, js_mix, (int a, int b), { return (a * 31 + b) | 0; });
EM_JS(void, js_store, (int *at, int v), { HEAP32[at >> 2] = v; });

static int results[4];

static void *run(void *arg) {
  int me = (int)(long)arg, acc = 0;
  for (int i = 0; i < 200; i++) acc = js_mix(acc, me + i) & 0xffff;
  js_store(&results[me], acc);
  return 0;
}

int main(void) {
  pthread_t t[4];
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  for (long i = 0; i < 4; i++) pthread_create(&t[i], &attr, run, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
  for (int i = 0; i < 4; i++) printf("thread %d: %d\n", i, results[i]);
  printf("main: %d\n", js_mix(1, 2));
  return 0;
}
