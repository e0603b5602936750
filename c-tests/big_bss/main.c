#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include <dlfcn.h>

extern unsigned char big[];
unsigned char *big_ptr(void);
size_t big_size(void);
int small_sum(void);
int *zero_ptr(void);

static int check(unsigned char *p, size_t n, const char *what) {
  printf("%s: size %zu aligned %d same %d\n", what, n, (int)((uintptr_t)p % 4096 == 0), p == big_ptr());
  size_t nonzero = 0;
  for (size_t i = 0; i < n; i++) nonzero += p[i] != 0;
  printf("%s: nonzero bytes %zu\n", what, nonzero);
  return 0;
}

int main(void) {
  unsigned char *p = big_ptr();
  size_t n = big_size();
  check(big, n, "linked");
  int *z = zero_ptr();
  int zsum = 0;
  for (int i = 0; i < 100; i++) zsum |= z[i];
  printf("small_sum %d zero %d\n", small_sum(), zsum);
  p[0] = 0x11; p[4095] = 0x22; p[4096] = 0x33; p[n - 1] = 0x44;
  printf("ends: %x %x %x %x\n", big[0], big[4095], big[4096], big[n - 1]);
  unsigned sum = 0;
  for (size_t i = 0; i < n; i++) { p[i] = (unsigned char)(i * 7); }
  for (size_t i = 0; i < n; i++) sum = sum * 31 + big[i];
  printf("checksum %u\n", sum);

  /* A second copy, loaded at run time. */
  void *h = dlopen("libbig2.so", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  unsigned char *q = dlsym(h, "big2");
  size_t (*sz)(void) = (size_t (*)(void))dlsym(h, "big2_size");
  printf("dlopened: size %zu aligned %d\n", sz(), (int)((uintptr_t)q % 8192 == 0));
  size_t nonzero = 0;
  for (size_t i = 0; i < sz(); i++) nonzero += q[i] != 0;
  printf("dlopened: nonzero bytes %zu\n", nonzero);
  q[0] = 1; q[sz() - 1] = 2;
  printf("dlopened ends: %d %d, linked untouched: %x\n", q[0], q[sz() - 1], big[1]);
  return 0;
}
