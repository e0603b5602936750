/* Call overhead: COUNT calls (argv[2], default 10 million) of one small
 * function, reached as chosen by argv[1]:
 *   local   defined in this module (a direct call)
 *   import  defined in a NEEDED library (a cross-module import)
 *   dlsym   defined in a dlopened library, called through dlsym's pointer
 * The accumulator is volatile, so every call's result must be computed and
 * stored; the functions are noinline. Prints the checksum, and the time per
 * call measured around the loop alone on stderr. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "noinline.h"

unsigned lib_step(unsigned x);

NOINLINE unsigned local_step(unsigned x) { return (x ^ 0x5bd1e995u) + 7u; }

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "local";
  unsigned count = argc > 2 ? (unsigned)strtoul(argv[2], 0, 10) : 10000000u;
  volatile unsigned acc = 0;
  double t0 = 0, t1 = 0;
  if (strcmp(how, "local") == 0) {
    t0 = now_ns();
    for (unsigned i = 0; i < count; i++) acc += local_step(i);
    t1 = now_ns();
  } else if (strcmp(how, "import") == 0) {
    t0 = now_ns();
    for (unsigned i = 0; i < count; i++) acc += lib_step(i);
    t1 = now_ns();
  } else if (strcmp(how, "dlsym") == 0) {
    void *h = dlopen("libdlcall.so", RTLD_NOW);
    if (!h) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 1;
    }
    unsigned (*step)(unsigned) = (unsigned (*)(unsigned))dlsym(h, "dl_step");
    if (!step) {
      fprintf(stderr, "dlsym: %s\n", dlerror());
      return 1;
    }
    t0 = now_ns();
    for (unsigned i = 0; i < count; i++) acc += step(i);
    t1 = now_ns();
  } else {
    fprintf(stderr, "usage: main local|import|dlsym [COUNT]\n");
    return 2;
  }
  printf("%s %u calls acc %u\n", how, count, (unsigned)acc);
  fprintf(stderr, "ns_per_call %.3f\n", count ? (t1 - t0) / count : 0.0);
  return 0;
}
