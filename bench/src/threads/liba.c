// Three libraries main needs (what a new thread's store must realize), and
// CPU-bound work for the speed-up measurement.
int a_value(int x) { return x * 3 + 1; }

// Sum of a hash over [from, to): work that shares nothing between threads.
unsigned long long a_work(unsigned long long from, unsigned long long to) {
  unsigned long long h = 1469598103934665603ull, sum = 0;
  for (unsigned long long i = from; i < to; i++) {
    h = (h ^ i) * 1099511628211ull;
    sum += h >> 33;
  }
  return sum;
}
