// Built with -sPROXY_TO_PTHREAD, where Emscripten runs main on a pthread of
// its own: main and a thread it starts both print through a side module, the
// arguments arrive, and main's return value is the exit status.
#include <pthread.h>
#include <stdio.h>

void greet(const char *who);

static void *run(void *arg) {
  greet(arg);
  return arg;
}

int main(int argc, char **argv) {
  printf("main: argc %d, argv[1] %s\n", argc, argc > 1 ? argv[1] : "(none)");
  greet("main");
  pthread_t t;
  pthread_create(&t, NULL, run, "worker");
  void *ret;
  pthread_join(t, &ret);
  printf("main: joined the %s\n", (char *)ret);
  greet("main again");
  return 5;
}
