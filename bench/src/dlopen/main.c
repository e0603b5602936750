/* dlopen scale: opens lib0.so .. lib{N-1}.so (N = argv[1]), looks up fK in
 * each and calls it. Prints the checksum, and on stderr how long the loop
 * took (so the cost per library can be told apart from process startup) and
 * how long its first and last tenths took (equal when each library costs
 * the same however many are loaded already). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  int tenth = n / 10;
  double t0 = now_ms(), first_end = t0, last_start = t0;
  long sum = 0;
  for (int k = 0; k < n; k++) {
    if (k == tenth) first_end = now_ms();
    if (k == n - tenth) last_start = now_ms();
    char name[32], sym[32];
    snprintf(name, sizeof name, "lib%d.so", k);
    void *h = dlopen(name, RTLD_NOW);
    if (!h) {
      fprintf(stderr, "dlopen %s: %s\n", name, dlerror());
      return 1;
    }
    snprintf(sym, sizeof sym, "f%d", k);
    int (*f)(int) = (int (*)(int))dlsym(h, sym);
    if (!f) {
      fprintf(stderr, "dlsym %s: %s\n", sym, dlerror());
      return 1;
    }
    sum += f(k);
  }
  double t1 = now_ms();
  printf("libs %d sum %ld\n", n, sum);
  fprintf(stderr, "dlopen_ms %.3f\n", t1 - t0);
  fprintf(stderr, "first_tenth_ms %.3f\nlast_tenth_ms %.3f\n", first_end - t0, t1 - last_start);
  return 0;
}
