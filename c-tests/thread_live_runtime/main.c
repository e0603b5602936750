// A worker that leaves its start routine with a live runtime
// (emscripten_exit_with_live_runtime) stays, and runs the calls other threads
// queue for it (emscripten_dispatch_to_thread), in order, until one of them
// ends it with pthread_exit; pthread_join then sees that value. A second one
// is cancelled while it waits for calls.
#include <emscripten.h>
#include <emscripten/threading.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static pthread_t looper;
static atomic_int ready, done, sum;

static void *start(void *arg) {
  ready = 1;
  emscripten_exit_with_live_runtime();
  return (void *)1; // not reached
}

static void add(int v) {
  sum += v;
  printf("call %d on the looper: %d\n", v, pthread_equal(pthread_self(), looper));
  fflush(stdout);
  done++;
}

static void quit(int v) { pthread_exit((void *)(long)v); }

int main(void) {
  pthread_create(&looper, 0, start, 0);
  while (!ready) usleep(1000);
  for (int v = 1; v <= 3; v++) emscripten_dispatch_to_thread(looper, EM_FUNC_SIG_VI, add, 0, v);
  while (done < 3) usleep(1000);
  printf("sum %d\n", sum);
  emscripten_dispatch_to_thread(looper, EM_FUNC_SIG_VI, quit, 0, 42);
  void *res;
  pthread_join(looper, &res);
  printf("looper ended with %ld\n", (long)res);

  ready = 0;
  pthread_create(&looper, 0, start, 0);
  while (!ready) usleep(1000);
  usleep(20000);
  printf("cancel: %d\n", pthread_cancel(looper));
  pthread_join(looper, &res);
  printf("second looper cancelled: %d\n", res == PTHREAD_CANCELED);
  return 0;
}
