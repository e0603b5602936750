// Soak: N dlopen/dlsym/call/dlclose cycles of one library. Unloading must
// give back what loading took: after the first cycle the heap stops
// growing and the library's function lands in the same table slot.
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static uintptr_t cycle(int i) {
  void *h = dlopen("./libsoak.so", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    printf("dlopen failed at cycle %d: %s\n", i, dlerror());
    exit(1);
  }
  int (*work)(int) = (int (*)(int))dlsym(h, "work");
  int want = (i & 1 ? 3 : 2) * i;
  if (!work || work(i) != want) {
    printf("work failed at cycle %d\n", i);
    exit(1);
  }
  if (dlclose(h) != 0) {
    printf("dlclose failed at cycle %d: %s\n", i, dlerror());
    exit(1);
  }
  return (uintptr_t)work;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10000;
  uintptr_t first_slot = cycle(0);
  uintptr_t heap_start = (uintptr_t)sbrk(0);
  uintptr_t last_slot = first_slot;
  for (int i = 1; i < n; i++)
    last_slot = cycle(i);
  uintptr_t heap_end = (uintptr_t)sbrk(0);
  printf("cycles %d\n", n);
  printf("heap growth after the first cycle: %lu bytes\n", (unsigned long)(heap_end - heap_start));
  printf("table slot moved by: %ld\n", (long)(last_slot - first_slot));
  return heap_end != heap_start || last_slot != first_slot;
}
