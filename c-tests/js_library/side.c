// Functions Emscripten's JavaScript library defines (library_uuid.js,
// library_math.js, library.js), called by a library: the main module
// (-sMAIN_MODULE=2) has none of them, so the runtime must.
#include <emscripten.h>
#include <emscripten/em_math.h>
#include <emscripten/threading.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <uuid/uuid.h>

static void print_uuid(const char *what, const uuid_t u) {
  char s[37];
  uuid_unparse(u, s);
  printf("%s %s\n", what, s);
}

static void uuids(void) {
  uuid_t a, b, c;
  printf("parse %d\n", uuid_parse("0123ABCD-4567-89ab-CDEF-0011223344ff", a));
  print_uuid("unparse", a);
  char s[37];
  uuid_unparse_upper(a, s);
  printf("upper %s\n", s);
  uuid_unparse_lower(a, s);
  printf("lower %s\n", s);
  printf("parse short %d\n", uuid_parse("0123", b));
  printf("parse bad %d\n", uuid_parse("0123abcd-4567-89ab-cdef-0011223344fg", b));
  // Any 36 characters holding 16 hex pairs parse, as in Emscripten's JS.
  printf("parse odd %d\n", uuid_parse("00112233445566778899aabbccddeeff----", b));
  print_uuid("odd", b);
  uuid_copy(c, a);
  printf("compare %d %d %d\n", uuid_compare(a, c) == 0, uuid_compare(a, b) > 0, uuid_compare(b, a) < 0);
  printf("null %d", uuid_is_null(a));
  uuid_clear(c);
  printf(" %d\n", uuid_is_null(c));
  uuid_generate(c);
  printf("generated: null %d version %d variant %d\n", uuid_is_null(c), c[6] >> 4, c[8] >> 6);
  uuid_t d;
  uuid_generate(d);
  printf("two differ %d\n", uuid_compare(c, d) != 0);
  printf("type %d variant %d\n", uuid_type(c), uuid_variant(c));
}

static void maths(void) {
  printf("sqrt %.17g cbrt %.17g\n", emscripten_math_sqrt(2), emscripten_math_cbrt(-27));
  // JavaScript's pow: NaN where C's pow gives 1. (A NaN's sign is the
  // engine's business, so only NaN-ness is printed.)
  printf("pow %g %d %d %g\n", emscripten_math_pow(2, 10), isnan(emscripten_math_pow(1, NAN)),
         isnan(emscripten_math_pow(-1, INFINITY)), emscripten_math_pow(NAN, 0));
  printf("round %g %g %g %g %g %g\n", emscripten_math_round(2.5), emscripten_math_round(-2.5),
         emscripten_math_round(-0.2), emscripten_math_round(0.49999999999999994),
         emscripten_math_round(-7.5), emscripten_math_round(4503599627370497.0));
  printf("round %.17g\n", emscripten_math_round(4503599627370497.0));
  printf("sign %g %g %g %g %d\n", emscripten_math_sign(-3), emscripten_math_sign(0.5),
         emscripten_math_sign(-0.0), emscripten_math_sign(0), isnan(emscripten_math_sign(NAN)));
  printf("fmod %g %g %d\n", emscripten_math_fmod(7.5, 2), emscripten_math_fmod(-7.5, 2),
         isnan(emscripten_math_fmod(1, 0)));
  printf("hypot %g %g %g %g\n", emscripten_math_hypot(2, 3.0, 4.0),
         emscripten_math_hypot(3, 2.0, 3.0, 6.0), emscripten_math_hypot(2, NAN, INFINITY),
         emscripten_math_hypot(0));
  printf("exp %.6f %.6f log %.6f %.6f %.6f %g %d\n", emscripten_math_exp(1), emscripten_math_expm1(1e-10) * 1e10,
         emscripten_math_log(10), emscripten_math_log1p(1), emscripten_math_log2(1024),
         emscripten_math_log10(1000), isnan(emscripten_math_log(-1)));
  printf("trig %.6f %.6f %.6f %.6f %.6f %.6f %.6f\n", emscripten_math_sin(1), emscripten_math_cos(1),
         emscripten_math_tan(1), emscripten_math_asin(0.5), emscripten_math_acos(0.5),
         emscripten_math_atan(1), emscripten_math_atan2(-1, -1));
  printf("hyper %.6f %.6f %.6f %.6f %.6f %.6f\n", emscripten_math_sinh(1), emscripten_math_cosh(1),
         emscripten_math_tanh(1), emscripten_math_asinh(1), emscripten_math_acosh(2),
         emscripten_math_atanh(0.5));
  double r = emscripten_math_random();
  float f = emscripten_random();
  printf("random in [0,1) %d %d\n", r >= 0 && r < 1, f >= 0 && f <= 1);
}

static void doubles(void) {
  static const double xs[] = {0.1, 1.5, -0.0, 1e21, 1e-7, 123456789012345680000.0, 5e-324,
                              1.7976931348623157e308, 100, -1234.5678, 0.000001};
  char buf[64];
  for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    int n = emscripten_print_double(xs[i], buf, sizeof buf);
    printf("print_double %d %s (length %d)\n", n, buf, emscripten_print_double(xs[i], 0, 0));
  }
  printf("print_double %d ", emscripten_print_double(NAN, buf, sizeof buf));
  printf("%s ", buf);
  emscripten_print_double(-INFINITY, buf, sizeof buf);
  printf("%s\n", buf);
  int n = emscripten_print_double(3.14159, buf, 4);
  printf("print_double cut %d %s\n", n, buf);
}

int side_run(void) {
  uuids();
  maths();
  doubles();
  double la[4] = {0};
  printf("getloadavg %d %g %g %g %g\n", getloadavg(la, 4), la[0], la[1], la[2], la[3]);
  printf("getloadavg 1: %d\n", getloadavg(la, 1));
  printf("asyncify %d main thread %d\n", emscripten_has_asyncify(), emscripten_is_main_browser_thread());
  emscripten_debugger();
  return 0;
}
