/* The same small function as main's local_step, in a NEEDED library. */
#include "noinline.h"

NOINLINE unsigned lib_step(unsigned x) { return (x ^ 0x5bd1e995u) + 7u; }
