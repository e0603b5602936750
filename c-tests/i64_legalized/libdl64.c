#include <stdint.h>
int64_t dl_neg64(int64_t x) { return -x; }
uint64_t dl_xor64(uint64_t a, uint64_t b) { return a ^ b; }
double dl_scale(double d, int64_t k) { return d * (double)k; }
int64_t dl_apply(int64_t (*f)(int64_t, int64_t), int64_t a, int64_t b) { return f(a, b); }
