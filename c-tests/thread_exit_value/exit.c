// pthread_exit called some frames deep inside this side module, with cleanup
// handlers pushed on the way down and a key destructor of this module.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void key_destructor(void *v) { printf("  key destructor %d\n", (int)(intptr_t)v); }
static void make_key(void) { pthread_key_create(&key, key_destructor); }

static void cleanup(void *arg) { printf("  cleanup level %d\n", (int)(intptr_t)arg); }

static int descend(int level, int depth, intptr_t value) {
  int r = 0;
  pthread_cleanup_push(cleanup, (void *)(intptr_t)level);
  if (level == depth) {
    if (value >= 0) pthread_exit((void *)value);
    r = level * 10;  // no exit: return normally
  } else {
    r = descend(level + 1, depth, value) + 1;
  }
  pthread_cleanup_pop(0);  // not run on the normal way back
  return r;
}

// Exits the calling thread with `value` from `depth` nested calls down, or
// returns normally when value is negative.
int exit_deep(int depth, intptr_t value) {
  pthread_once(&once, make_key);
  pthread_setspecific(key, (void *)(value >= 0 ? value + 1 : 7));
  return descend(1, depth, value);
}
