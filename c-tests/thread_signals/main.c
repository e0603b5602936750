// pthread_cancel and pthread_kill as glibc has them: a thread blocked in a
// condition wait and one spinning on pthread_testcancel are cancelled (their
// cleanup handlers run, join sees PTHREAD_CANCELED); a signal sent to another
// thread runs the handler on that thread, whether it sleeps, spins, or has
// the signal blocked until it unblocks it; one sent to the calling thread
// runs before pthread_kill returns. Emscripten's JS runtime refuses signals
// to the main thread and ends a worker sent any signal.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static atomic_int cleaned, ready;
static pthread_t target;
static atomic_int handled_on_target, handled_on_self, usr1_count;

static void cleanup(void *arg) { cleaned += (int)(long)arg; pthread_mutex_unlock(&m); }

static void *blocked_in_cond(void *arg) {
  pthread_mutex_lock(&m);
  pthread_cleanup_push(cleanup, (void *)1);
  ready = 1;
  for (;;) pthread_cond_wait(&c, &m);
  pthread_cleanup_pop(0);
  return 0;
}

static void *spinning(void *arg) {
  ready = 1;
  for (;;) pthread_testcancel();
  return 0;
}

static void on_usr(int sig) {
  usr1_count++;
  if (pthread_equal(pthread_self(), target)) handled_on_target = sig;
  else handled_on_self = sig;
}

static void *waits_for_signal(void *arg) {
  ready = 1;
  while (!handled_on_target) usleep(1000);
  return (void *)(long)handled_on_target;
}

static void *spins_for_signal(void *arg) {
  ready = 1;
  while (!handled_on_target) {}
  return (void *)(long)handled_on_target;
}

static atomic_int sent;
static void *blocks_signal(void *arg) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, 0);
  ready = 1;
  while (!sent) usleep(1000);
  usleep(20000);
  int before = handled_on_target;
  pthread_sigmask(SIG_UNBLOCK, &set, 0);
  return (void *)(long)(before * 100 + handled_on_target);
}

static void run(const char *what, void *(*fn)(void *)) {
  void *res;
  ready = 0;
  handled_on_target = 0;
  sent = 0;
  pthread_create(&target, 0, fn, 0);
  while (!ready) usleep(1000);
  int r = pthread_kill(target, SIGUSR1);
  sent = 1;
  pthread_join(target, &res);
  printf("%s: kill %d, thread saw %ld\n", what, r, (long)res);
}

int main(void) {
  pthread_t t;
  void *res;
  pthread_create(&t, 0, blocked_in_cond, 0);
  while (!ready) usleep(1000);
  usleep(20000);
  printf("cancel blocked in cond: %d\n", pthread_cancel(t));
  pthread_join(t, &res);
  printf("joined: %s, cleanup ran %d\n", res == PTHREAD_CANCELED ? "canceled" : "returned", cleaned);

  ready = 0;
  pthread_create(&t, 0, spinning, 0);
  while (!ready) usleep(1000);
  printf("cancel spinning: %d\n", pthread_cancel(t));
  pthread_join(t, &res);
  printf("joined: %s\n", res == PTHREAD_CANCELED ? "canceled" : "returned");

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr;
  sigaction(SIGUSR1, &sa, 0);
  sigaction(SIGUSR2, &sa, 0);
  run("sleeping", waits_for_signal);
  run("spinning", spins_for_signal);
  run("blocking it", blocks_signal);
  int r = pthread_kill(pthread_self(), SIGUSR2);
  printf("kill self SIGUSR2: %d, handled before return: %d\n", r, handled_on_self);
  printf("kill with 0: %d, bad signal: %d\n", pthread_kill(pthread_self(), 0),
         pthread_kill(pthread_self(), 999) == EINVAL);
  printf("handlers ran %d times\n", usr1_count);
  return 0;
}
