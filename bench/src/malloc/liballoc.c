/* The library half of the malloc workload: allocates blocks main frees,
 * and frees blocks main allocated. */
#include <stdlib.h>
#include <string.h>

char *lib_alloc(size_t n) {
  char *p = malloc(n);
  if (p) memset(p, (int)(n & 0xff), n < 64 ? n : 64);
  return p;
}

unsigned lib_free(char *p) {
  unsigned v = (unsigned char)p[0];
  free(p);
  return v;
}
