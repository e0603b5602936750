// setjmp/longjmp through functions taking and returning int64_t in several
// positions, mixed with doubles and floats, across a side module: each call
// from a function that calls setjmp goes through invoke_<sig>, whose i64
// halves (emcc without -sWASM_BIGINT) the runtime must put back together.
#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

void side_set_target(jmp_buf *b);
int64_t s_jj(int64_t a);
int64_t s_jdjfj(double d, int64_t a, float f, int64_t b);
double s_djij(int64_t a, int i, int64_t b);
void s_vjdj(int64_t a, double d, int64_t b);
float s_fjff(int64_t a, float f, float g);
int s_iddj(double a, double b, int64_t c);
uint64_t s_j(void);
int64_t s_jfjdiji(float f, int64_t a, double d, int i, int64_t b, int k);
typedef int64_t (*cb_t)(int64_t, double, int64_t);
void side_guard(cb_t cb, int64_t a, int64_t b);

static jmp_buf *jump_to;
// Sets where main's functions jump to; returns the previous target.
jmp_buf *m_set_jump(jmp_buf *b) {
  jmp_buf *old = jump_to;
  jump_to = b;
  return old;
}

int64_t m_cb(int64_t a, double d, int64_t b) {
  if (d < 0) longjmp(*jump_to, 21);
  return a - b + (int64_t)(d * 10);
}
double m_dbl(float f, int64_t a) { return f * (double)(a >> 8); }

// One round: `which` says which call jumps (0: none).
static void round_(int which) {
  jmp_buf b;
  volatile int64_t x = -0x123456789LL;
  int r = setjmp(b);
  if (r != 0) {
    printf("round %d: jumped %d (x=%" PRId64 ")\n", which, r, x);
    return;
  }
  side_set_target(&b);
  jump_to = &b;
  printf("s_jj %" PRId64 "\n", s_jj(which == 1 ? 0 : x));
  printf("s_jdjfj %" PRId64 "\n", s_jdjfj(which == 2 ? -1.0 : 2.75, 0x7FFFFFFF00000001LL, 1.5f, -0x100000000LL));
  printf("s_djij %.3f\n", s_djij(-0x40000000000LL, -7, 0x7654321012345LL));
  s_vjdj(0x1122334455667788LL, 0.125, which == 3 ? 0x1122334455667788LL : -2);
  printf("s_fjff %.2f\n", s_fjff(0x123400005678LL, 0.5f, 3.0f));
  printf("s_iddj %d\n", s_iddj(1.5, 2.5, 0x0000ABCD00000000LL));
  printf("s_j %" PRIx64 "\n", s_j());
  printf("s_jfjdiji %" PRId64 "\n", s_jfjdiji(3.5f, -0x80000000LL, 1e10, -9, 0x100000001LL, 4));
  printf("m_cb %" PRId64 "\n", m_cb(0x500000000LL, which == 4 ? -1.0 : 0.25, 0x100000000LL));
  x = 42;
  printf("round %d: no jump\n", which);
}

int main(void) {
  for (int i = 0; i <= 4; i++) round_(i);
  jmp_buf b;
  jump_to = &b;
  if (setjmp(b) == 0) side_guard(m_cb, 0x300000000LL, -0x7FFFFFFFFFFFFFFFLL);
  printf("main: after side_guard\n");
  return 0;
}
