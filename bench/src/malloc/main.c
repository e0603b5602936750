/* malloc-heavy, across modules: OPS (argv[1], default 1 million) heap
 * operations on a window of 4096 live blocks of 8..2055 bytes; half of the
 * blocks are allocated by the library and freed here, the other half
 * allocated here and freed by the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *lib_alloc(size_t n);
unsigned lib_free(char *p);

#define WINDOW 4096

int main(int argc, char **argv) {
  unsigned ops = argc > 1 ? (unsigned)strtoul(argv[1], 0, 10) : 1000000u;
  static char *live[WINDOW];
  static unsigned char mine[WINDOW];
  unsigned seed = 12345, sum = 0, done = 0;
  while (done < ops) {
    seed = seed * 1103515245u + 12345u;
    unsigned slot = (seed >> 8) % WINDOW;
    if (live[slot]) {
      /* free where it was not allocated */
      if (mine[slot]) {
        sum += lib_free(live[slot]);
      } else {
        sum += (unsigned char)live[slot][0];
        free(live[slot]);
      }
      live[slot] = 0;
    } else {
      size_t n = 8 + ((seed >> 20) & 2047);
      if (seed & 0x10000) {
        live[slot] = lib_alloc(n);
        mine[slot] = 0;
      } else {
        live[slot] = malloc(n);
        if (live[slot]) memset(live[slot], (int)(n & 0xff), n < 64 ? n : 64);
        mine[slot] = 1;
      }
      if (!live[slot]) {
        fprintf(stderr, "out of memory\n");
        return 1;
      }
    }
    done++;
  }
  for (unsigned k = 0; k < WINDOW; k++)
    if (live[k]) free(live[k]);
  printf("ops %u sum %u\n", ops, sum);
  return 0;
}
