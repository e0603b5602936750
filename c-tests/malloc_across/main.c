#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <dlfcn.h>

char *side_strdup(const char *s);
void side_free(void *p);
void *side_realloc(void *p, size_t n);
void **side_alloc_many(int count);
uint32_t side_sum_and_free(unsigned char **v, const int *sizes, int count);

#define N 5000

int main(void) {
  /* Side allocates, main frees. */
  char *s = side_strdup("allocated in side");
  printf("%s\n", s);
  free(s);

  /* Main allocates, side frees. */
  char *m = malloc(32);
  strcpy(m, "allocated in main");
  printf("%s\n", m);
  side_free(m);

  /* Realloc across: main mallocs, side grows, main grows again, side shrinks. */
  char *r = malloc(8);
  strcpy(r, "abc");
  r = side_realloc(r, 100000);
  strcat(r, "def");
  r = realloc(r, 200000);
  memset(r + 6, 'x', 199000);
  r[199006] = 0;
  r = side_realloc(r, 16);
  r[10] = 0;
  printf("realloc chain: %s\n", r);
  side_free(r);

  /* Thousands of blocks allocated in side, checksummed and freed in main. */
  void **v = side_alloc_many(N);
  uint32_t h = 2166136261u;
  for (int i = 0; i < N; i++) {
    size_t n = 1 + (size_t)(i * 37 % 1000);
    unsigned char *b = v[i];
    for (size_t j = 0; j < n; j++) h = (h ^ b[j]) * 16777619u;
    if (i % 2) free(b); else v[i] = side_realloc(b, n + 500);
  }
  for (int i = 0; i < N; i += 2) free(v[i]);
  free(v);
  printf("side->main checksum %u\n", h);

  /* Thousands allocated in main, freed in side. */
  unsigned char **w = malloc(N * sizeof *w);
  int *sizes = malloc(N * sizeof *sizes);
  for (int i = 0; i < N; i++) {
    sizes[i] = 1 + (i * 53 % 700);
    w[i] = malloc(sizes[i]);
    for (int j = 0; j < sizes[i]; j++) w[i][j] = (unsigned char)(i + j);
  }
  printf("main->side checksum %u\n", side_sum_and_free(w, sizes, N));
  free(sizes);

  /* Same thing through a dlopened library. */
  void *hd = dlopen("libmem2.so", RTLD_NOW);
  if (!hd) { printf("dlopen: %s\n", dlerror()); return 1; }
  void *(*mk)(int) = (void *(*)(int))dlsym(hd, "mem2_make");
  int (*chk)(void *, int) = (int (*)(void *, int))dlsym(hd, "mem2_check_free");
  long total = 0;
  for (int round = 0; round < 2000; round++) {
    int *p = mk(round % 300 + 1);
    total += p[round % 300];
    if (round % 3 == 0) free(p);
    else if (round % 3 == 1) side_free(p);
    else total += chk(p, round % 300 + 1);
  }
  int *q = malloc(40 * sizeof *q);
  for (int i = 0; i < 40; i++) q[i] = i;
  total += chk(q, 40);
  printf("dlopened total %ld\n", total);

  /* After all that the heap must still work for a big block. */
  unsigned char *big = malloc(8 << 20);
  memset(big, 1, 8 << 20);
  long bs = 0;
  for (int i = 0; i < 8 << 20; i += 4096) bs += big[i];
  side_free(big);
  printf("big block %ld\n", bs);
  return 0;
}
