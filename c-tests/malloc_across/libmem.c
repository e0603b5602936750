#include <stdlib.h>
#include <string.h>
#include <stdint.h>

char *side_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  memcpy(p, s, n);
  return p;
}

void side_free(void *p) { free(p); }

void *side_realloc(void *p, size_t n) { return realloc(p, n); }

/* Allocate count blocks of varying size filled with a pattern. */
void **side_alloc_many(int count) {
  void **v = calloc(count, sizeof *v);
  for (int i = 0; i < count; i++) {
    size_t n = 1 + (size_t)(i * 37 % 1000);
    unsigned char *b = malloc(n);
    memset(b, i & 0xff, n);
    v[i] = b;
  }
  return v;
}

/* Checksum and free blocks main allocated. */
uint32_t side_sum_and_free(unsigned char **v, const int *sizes, int count) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < count; i++) {
    for (int j = 0; j < sizes[i]; j++) h = (h ^ v[i][j]) * 16777619u;
    free(v[i]);
  }
  free(v);
  return h;
}
