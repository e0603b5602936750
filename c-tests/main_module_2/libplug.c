// Static data (so the loader must allocate some) in a library the main
// module did not see at link time.
#include <stdlib.h>
static int table[1000] = {1, 2, 3};
int plug_sum(void) {
  int *copy = malloc(sizeof table);
  int s = 0;
  for (int i = 0; i < 1000; i++) s += (copy[i] = table[i]);
  free(copy);
  return s;
}
