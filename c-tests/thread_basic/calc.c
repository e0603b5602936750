// A NEEDED side module whose code runs on worker threads: it reads its own
// data, calls back into the main module and counts its calls atomically.
#include <stdatomic.h>

static const int weights[5] = {3, 1, 4, 1, 5};
atomic_int calc_calls;
int main_bias(int id);

int calc_work(int id) {
  int sum = 0;
  for (int i = 1; i <= 1000; i++) sum += (i * weights[i % 5]) % (id + 7);
  atomic_fetch_add(&calc_calls, 1);
  return sum + main_bias(id);
}
