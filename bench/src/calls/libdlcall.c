/* The same small function again, in a library main dlopens. */
#include "noinline.h"

NOINLINE unsigned dl_step(unsigned x) { return (x ^ 0x5bd1e995u) + 7u; }
