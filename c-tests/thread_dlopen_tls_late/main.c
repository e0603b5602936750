// A worker starts before main dlopens a library with thread-locals. Once the
// library is there the worker (started before) and a thread started after
// both see fresh initial values, and their changes stay their own.
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int (*bump)(int);
static int (*ptr_ok)(void);
static const char *(*get_tag)(void);
static void (*set_tag)(char);
static atomic_int started, loaded;

struct report { int first, second, ptr; char tag_before[8], tag_after[8]; };

static void *run(void *arg) {
  struct report *r = arg;
  atomic_fetch_add(&started, 1);
  while (!atomic_load(&loaded)) sched_yield();
  strcpy(r->tag_before, get_tag());
  r->ptr = ptr_ok();
  r->first = bump(1);
  r->second = bump(10);
  set_tag('T');
  strcpy(r->tag_after, get_tag());
  return NULL;
}

static void print_report(const char *who, struct report *r) {
  printf("%s: bump %d then %d, ptr %d, tag %s -> %s\n", who, r->first, r->second, r->ptr,
         r->tag_before, r->tag_after);
}

int main(void) {
  pthread_t early, late;
  struct report re = {0}, rl = {0};
  pthread_create(&early, NULL, run, &re);
  while (atomic_load(&started) < 1) sched_yield();

  void *h = dlopen("liblate.so", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  bump = (int (*)(int))dlsym(h, "late_bump");
  ptr_ok = (int (*)(void))dlsym(h, "late_ptr_ok");
  get_tag = (const char *(*)(void))dlsym(h, "late_get_tag");
  set_tag = (void (*)(char))dlsym(h, "late_set_tag");
  if (!bump || !ptr_ok || !get_tag || !set_tag) { printf("dlsym: %s\n", dlerror()); return 1; }
  printf("main first bump %d, ptr %d, tag %s\n", bump(100), ptr_ok(), get_tag());
  set_tag('M');

  atomic_store(&loaded, 1);
  pthread_join(early, NULL);
  pthread_create(&late, NULL, run, &rl);
  pthread_join(late, NULL);
  print_report("thread started before dlopen", &re);
  print_report("thread started after dlopen", &rl);
  printf("main again bump %d, ptr %d, tag %s\n", bump(1000), ptr_ok(), get_tag());
  return 0;
}
