#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <dlfcn.h>

int64_t add64(int64_t a, int64_t b);
uint64_t mulu64(uint64_t a, uint64_t b);
double mix(int64_t a, double d, uint64_t u, int i);
int64_t from_double(double d);
uint64_t shift_u(uint64_t x, int n);
double half(double d);
typedef int64_t (*cb_t)(int64_t, double, uint64_t);
int64_t call_cb(cb_t cb, int64_t a, double b, uint64_t c);
cb_t get_cb(void);
void side_calls_main(void);
extern int64_t side_big;
extern uint64_t side_ubig;
extern double side_pi;

int64_t main_i64(int64_t a, double b, uint64_t c) { return a * 3 + (int64_t)(b * 4) + (int64_t)(c & 0xFFFF) - (int64_t)(c >> 48); }
uint64_t main_u64(uint64_t x) { return x + (x >> 1); }
double main_dbl(double x, int64_t y) { return x * 2 + (double)y; }

int main(void) {
  printf("add64: %" PRId64 "\n", add64(0x7FFFFFFF00000000LL, 0xFFFFFFFFLL));
  printf("add64 neg: %" PRId64 "\n", add64(-1, -4294967296LL));
  printf("mulu64: %" PRIu64 "\n", mulu64(0xFFFFFFFFULL, 0x100000001ULL));
  printf("mix: %.3f\n", mix(-10000000000LL, 0.75, 0x500000000ULL, -3));
  printf("from_double: %" PRId64 "\n", from_double(-1e15));
  printf("shift_u: %" PRIu64 "\n", shift_u(0xF000000000000000ULL, 60));
  printf("half: %.4f\n", half(-7.5));
  printf("globals: %" PRId64 " %" PRIu64 " %.15f\n", side_big, side_ubig, side_pi);
  printf("call_cb(main_i64): %" PRId64 "\n", call_cb(main_i64, 1000000000000LL, 1.5, 0x0001000000000002ULL));
  cb_t cb = get_cb();
  printf("get_cb same %d: %" PRId64 "\n", cb == main_i64, cb(-1, 0.25, 0));
  side_calls_main();

  int64_t (*padd)(int64_t, int64_t) = add64;
  printf("add64 via pointer in main: %" PRId64 "\n", padd(1LL << 62, 1LL << 61));

  void *h = dlopen("libdl64.so", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  int64_t (*neg)(int64_t) = (int64_t (*)(int64_t))dlsym(h, "dl_neg64");
  uint64_t (*x)(uint64_t, uint64_t) = (uint64_t (*)(uint64_t, uint64_t))dlsym(h, "dl_xor64");
  double (*sc)(double, int64_t) = (double (*)(double, int64_t))dlsym(h, "dl_scale");
  int64_t (*ap)(int64_t (*)(int64_t, int64_t), int64_t, int64_t) =
      (int64_t (*)(int64_t (*)(int64_t, int64_t), int64_t, int64_t))dlsym(h, "dl_apply");
  printf("dl_neg64: %" PRId64 "\n", neg(-9223372036854775807LL));
  printf("dl_xor64: %" PRIx64 "\n", x(0xAAAAAAAA55555555ULL, 0xFFFFFFFF00000000ULL));
  printf("dl_scale: %.1f\n", sc(0.5, 1LL << 53));
  printf("dl_apply(add64): %" PRId64 "\n", ap(add64, 5000000000LL, 6000000000LL));
#ifdef BIGINT_BUILD
  /* dlsym(RTLD_DEFAULT, "add64") is not used here: Emscripten 3.1.6's JS
     loader crashes on it with WASM_BIGINT (addFunction without a sig). */
  void *h64 = dlopen("lib64.so", RTLD_NOW);
  int64_t (*dadd)(int64_t, int64_t) = (int64_t (*)(int64_t, int64_t))dlsym(h64, "add64");
  printf("dlsym(lib64.so, add64): same %d %" PRId64 "\n", dadd == add64, dadd ? dadd(-3000000000LL, -3000000000LL) : 0);
#else
  int64_t (*dadd)(int64_t, int64_t) = (int64_t (*)(int64_t, int64_t))dlsym(RTLD_DEFAULT, "add64");
  printf("dlsym(RTLD_DEFAULT, add64): same %d %" PRId64 "\n", dadd == add64, dadd ? dadd(-3000000000LL, -3000000000LL) : 0);
#endif
  return 0;
}
