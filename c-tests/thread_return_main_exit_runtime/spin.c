#include <stdatomic.h>
volatile unsigned long spins;
// Spins for ever once it has said it is running.
void spin_forever(atomic_int *running) {
  atomic_store(running, 1);
  for (;;) spins++;
}
