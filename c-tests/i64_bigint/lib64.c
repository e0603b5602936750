#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>

/* Implemented in main. */
int64_t main_i64(int64_t a, double b, uint64_t c);
uint64_t main_u64(uint64_t x);
double main_dbl(double x, int64_t y);

int64_t side_big = -8000000000000000000LL;
uint64_t side_ubig = 18000000000000000000ULL;
double side_pi = 3.141592653589793;

int64_t add64(int64_t a, int64_t b) { return a + b; }
uint64_t mulu64(uint64_t a, uint64_t b) { return a * b; }
double mix(int64_t a, double d, uint64_t u, int i) { return (double)a + d + (double)(u >> 32) + i; }
int64_t from_double(double d) { return (int64_t)d; }
uint64_t shift_u(uint64_t x, int n) { return x >> n; }
double half(double d) { return d / 2; }

typedef int64_t (*cb_t)(int64_t, double, uint64_t);

int64_t call_cb(cb_t cb, int64_t a, double b, uint64_t c) { return cb(a, b, c); }

void side_calls_main(void) {
  printf("main_i64 from side: %" PRId64 "\n", main_i64(-5000000000LL, 2.5, 0xFFFFFFFF00000001ULL));
  printf("main_u64 from side: %" PRIu64 "\n", main_u64(0x8000000000000000ULL));
  printf("main_dbl from side: %.6f\n", main_dbl(1.25, 1LL << 40));
  cb_t p = main_i64;
  printf("main_i64 via pointer in side: %" PRId64 "\n", p(1LL << 33, -0.5, 7));
}

cb_t get_cb(void) { return main_i64; }
