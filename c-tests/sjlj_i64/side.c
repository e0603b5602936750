// Functions taking and returning int64_t among doubles and floats, called
// from the main module's setjmp function (so through invoke_* there), and
// a setjmp function of this library calling back into the main module.
#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

static jmp_buf *target;
void side_set_target(jmp_buf *b) { target = b; }

// Each jumps to the target when asked to, with a value naming itself.
int64_t s_jj(int64_t a) {
  if (a == 0) longjmp(*target, 11);
  return a * 3;
}
int64_t s_jdjfj(double d, int64_t a, float f, int64_t b) {
  if (d < 0) longjmp(*target, 12);
  return (int64_t)(d * 4) + a - (int64_t)(f * 2) + b;
}
double s_djij(int64_t a, int i, int64_t b) { return (double)a / 8 + i + (double)(b >> 20); }
void s_vjdj(int64_t a, double d, int64_t b) {
  printf("s_vjdj %" PRId64 " %.3f %" PRIx64 "\n", a, d, (uint64_t)b);
  if (a == b) longjmp(*target, 13);
}
float s_fjff(int64_t a, float f, float g) { return (float)(a & 0xFFFF) + f * g; }
int s_iddj(double a, double b, int64_t c) { return (int)(a + b) ^ (int)(c >> 32); }
uint64_t s_j(void) { return 0xFEDCBA9876543210ULL; }
int64_t s_jfjdiji(float f, int64_t a, double d, int i, int64_t b, int k) {
  return (int64_t)f + a * 2 + (int64_t)d + i + b * 5 + k;
}

// A setjmp of this library around calls of main's functions (invoke_* in
// this module, targets in main).
typedef int64_t (*cb_t)(int64_t, double, int64_t);
int64_t m_cb(int64_t a, double d, int64_t b);
double m_dbl(float f, int64_t a);
jmp_buf *m_set_jump(jmp_buf *b);

void side_guard(cb_t cb, int64_t a, int64_t b) {
  jmp_buf here;
  jmp_buf *saved = m_set_jump(&here);
  int r = setjmp(here);
  if (r == 0) {
    printf("side: cb -> %" PRId64 "\n", cb(a, 0.5, b));
    printf("side: m_cb -> %" PRId64 "\n", m_cb(b, 1.25, a));
    printf("side: m_dbl -> %.4f\n", m_dbl(2.5f, a));
    cb(a, -1.0, b);
    printf("side: not reached\n");
  } else {
    printf("side: main jumped %d\n", r);
  }
  m_set_jump(saved);
}
