// Functions taking and returning int64_t among doubles and floats that may
// throw, called inside try blocks of the main module (invoke_* there), and
// a try block of this library around calls of main's functions.
#include <cstdint>
#include <cstdio>
#include <cinttypes>
#include <stdexcept>
#include <string>

struct Wide {
  int64_t v;
};

int64_t t_jj(int64_t a) {
  if (a < 0) throw Wide{a * 2};
  return a + 0x100000000LL;
}
double t_djfdj(int64_t a, float f, double d, int64_t b) {
  if (f == 0) throw std::out_of_range("t_djfdj " + std::to_string(b));
  return (double)(a >> 16) + f + d + (double)(b & 0xFFFF);
}
int64_t t_jdjij(double d, int64_t a, int i, int64_t b) {
  if (i == 0) throw b;
  return (int64_t)d - a + i + b;
}
void t_vjj(int64_t a, int64_t b) {
  printf("t_vjj %" PRIx64 " %" PRId64 "\n", (uint64_t)a, b);
  if (a == b) throw 2.5;
}
float t_fjf(int64_t a, float f) { return (float)(a % 1000) * f; }
uint64_t t_j() { return 0x8000000000000001ULL; }

int64_t m_jdj(double d, int64_t a);
int64_t t_catch(int64_t (*f)(double, int64_t), double d, int64_t a) {
  try {
    int64_t r = f(d, a);
    printf("thrower: f -> %" PRId64 "\n", r);
    printf("thrower: m_jdj -> %" PRId64 "\n", m_jdj(-d, a + 1));
    return r;
  } catch (const Wide &w) {
    printf("thrower: caught Wide %" PRId64 "\n", w.v);
    return w.v;
  } catch (const std::exception &e) {
    printf("thrower: caught %s\n", e.what());
    return -1;
  }
}
