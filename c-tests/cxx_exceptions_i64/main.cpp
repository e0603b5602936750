// C++ exceptions through functions taking and returning int64_t in several
// positions, mixed with doubles and floats, across a side module: each call
// in a try block goes through invoke_<sig>, whose i64 halves (emcc without
// -sWASM_BIGINT) the runtime must put back together.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

struct Wide {
  int64_t v;
};
int64_t t_jj(int64_t a);
double t_djfdj(int64_t a, float f, double d, int64_t b);
int64_t t_jdjij(double d, int64_t a, int i, int64_t b);
void t_vjj(int64_t a, int64_t b);
float t_fjf(int64_t a, float f);
uint64_t t_j();
int64_t t_catch(int64_t (*f)(double, int64_t), double d, int64_t a);

int64_t m_jdj(double d, int64_t a) {
  if (d < 0) throw Wide{a};
  if (d == 0) throw std::runtime_error("m_jdj zero");
  return (int64_t)(d * 1000) * a;
}

static void round_(int which) {
  try {
    printf("t_jj %" PRId64 "\n", t_jj(which == 1 ? -0x300000001LL : 0x7FFFFFFFLL));
    printf("t_djfdj %.3f\n", t_djfdj(-0x123456789ABLL, which == 2 ? 0.0f : 0.25f, 1e-3, 0x1234500006789LL));
    printf("t_jdjij %" PRId64 "\n", t_jdjij(1e12, 0x7FFFFFFFFFFFLL, which == 3 ? 0 : -5, -0x987654321LL));
    t_vjj(-0x8000000000000000LL, which == 4 ? -0x8000000000000000LL : 0xFFFFFFFFLL);
    printf("t_fjf %.2f\n", t_fjf(123456789012LL, -0.5f));
    printf("t_j %" PRIx64 "\n", t_j());
    printf("round %d: no throw\n", which);
  } catch (const Wide &w) {
    printf("round %d: Wide %" PRId64 "\n", which, w.v);
  } catch (const std::out_of_range &e) {
    printf("round %d: out_of_range %s\n", which, e.what());
  } catch (int64_t v) {
    printf("round %d: int64_t %" PRId64 "\n", which, v);
  } catch (double d) {
    printf("round %d: double %.1f\n", which, d);
  }
}

int main() {
  for (int i = 0; i <= 4; i++) round_(i);
  printf("t_catch %" PRId64 "\n", t_catch(m_jdj, 1.5, 0x200000003LL));
  printf("t_catch %" PRId64 "\n", t_catch(m_jdj, -1.0, -0x500000007LL));
  printf("t_catch %" PRId64 "\n", t_catch(m_jdj, 0.0, 1));
  return 0;
}
