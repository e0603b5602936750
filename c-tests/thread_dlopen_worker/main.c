// A. A worker thread dlopens a library and publishes a function pointer in a
//    global; after joining it, the main thread calls the function.
// B. Main dlopens a library after a worker has started; it publishes a
//    function pointer through an atomic, and the waiting worker calls it
//    (and functions and data reached from it).
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static int (*g_scale)(int);
static int *g_factor;
static void *g_handle;
static int worker_result;

static void *opener(void *arg) {
  (void)arg;
  g_handle = dlopen("libplug.so", RTLD_NOW);
  if (!g_handle) { printf("worker dlopen: %s\n", dlerror()); return NULL; }
  g_scale = (int (*)(int))dlsym(g_handle, "plug_scale");
  g_factor = (int *)dlsym(g_handle, "plug_factor");
  worker_result = g_scale(3);
  return NULL;
}

typedef int (*add_fn)(int);
static _Atomic(add_fn) published;
static atomic_int waiter_started;
static int (*(*g_twice_getter)(void))(int);
static const char *(*g_name)(int);
static char waiter_report[128];

static void *waiter(void *arg) {
  (void)arg;
  atomic_store(&waiter_started, 1);
  add_fn f;
  while (!(f = atomic_load(&published))) sched_yield();
  int (*tw)(int) = g_twice_getter();
  snprintf(waiter_report, sizeof waiter_report, "add(5) = %d, twice(21) = %d, name(4) = %s",
           f(5), tw(21), g_name(4));
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, opener, NULL);
  pthread_join(t, NULL);
  if (!g_scale || !g_factor) return 1;
  printf("A: worker got %d; main calls %d\n", worker_result, g_scale(7));
  *g_factor = 10;
  printf("A: after writing the factor: %d\n", g_scale(7));
  void *h = dlopen("libplug.so", RTLD_NOW);
  printf("A: same handle %d, same function %d\n", h == g_handle,
         (void *)dlsym(h, "plug_scale") == (void *)g_scale);

  pthread_create(&t, NULL, waiter, NULL);
  while (!atomic_load(&waiter_started)) sched_yield();
  void *h2 = dlopen("libplug2.so", RTLD_NOW);
  if (!h2) { printf("dlopen: %s\n", dlerror()); return 1; }
  g_twice_getter = (int (*(*)(void))(int))dlsym(h2, "plug2_twice");
  g_name = (const char *(*)(int))dlsym(h2, "plug2_name");
  add_fn add = (add_fn)dlsym(h2, "plug2_add");
  if (!g_twice_getter || !g_name || !add) { printf("dlsym: %s\n", dlerror()); return 1; }
  atomic_store(&published, add);
  pthread_join(t, NULL);
  printf("B: worker: %s\n", waiter_report);
  printf("B: main: add(6) = %d, twice(4) = %d, name(2) = %s\n", add(6), g_twice_getter()(4),
         g_name(2));
  return 0;
}
