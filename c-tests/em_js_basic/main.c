// EM_JS functions: numbers and strings both ways, JavaScript writing the
// program's memory through the HEAP views and calling its exported
// functions (_malloc, and C code that calls JavaScript again), globals kept
// between calls, and the views still right after the memory grew (between
// calls, and during one). The default build: emcc drops the __em_js__
// exports, so the functions come from main.js beside main.wasm.
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

EM_JS(int, add, (int a, int b), { return a + b; });
EM_JS(double, scale, (double x, float f), { return x * f; });
EM_JS(int, to_int, (double x), { return x; });
EM_JS(void, greet, (const char *who), { out("hello, " + UTF8ToString(who) + "!"); });
EM_JS(char *, make_string, (int n), {
  var s = "ünïcödé ✓ " + n;
  var size = lengthBytesUTF8(s) + 1;
  var p = _malloc(size);
  stringToUTF8(s, p, size);
  return p;
});
EM_JS(void, squares, (int *out, int n), {
  for (var i = 0; i < n; i++) HEAP32[(out >> 2) + i] = i * i;
});
EM_JS(void, poke, (char *p, double d), {
  setValue(p, 7, 'i8');
  setValue(p + 8, d, 'double');
  setValue(p + 16, -2, 'i64');
  HEAPF32[(p + 24) >> 2] = getValue(p + 8, 'double') / 2;
});
EM_JS(int, count, (void), {
  globalThis.calls = (globalThis.calls || 0) + 1;
  return calls;
});
EM_JS(int, twice_add, (int a, int b), { return add(a, b) * 2; });
EM_JS(int, sum_at, (unsigned char *p, int n), {
  var s = 0;
  for (var i = 0; i < n; i++) s += HEAPU8[p + i];
  return s;
});
EM_JS(int, grow_inside, (int mib), {
  var before = HEAPU8.length;
  var p = _malloc(mib * 1024 * 1024);
  HEAPU8[p + mib * 1024 * 1024 - 1] = 42;
  var grew = HEAPU8.length > before;
  _free(p);
  return grew ? 1 : 0;
});
EM_JS(int, call_c, (int x), { return _c_side(x) + 1; });

EMSCRIPTEN_KEEPALIVE int c_side(int x) { return twice_add(x, 1) * 10; }

int main(void) {
  printf("add %d\n", add(2, 3));
  printf("scale %g\n", scale(2.5, 4.0f));
  printf("to_int %d\n", to_int(-7.9));
  fflush(stdout);
  greet("C");
  char *s = make_string(42);
  printf("make_string %s (%zu bytes)\n", s, strlen(s));
  free(s);
  int sq[5];
  squares(sq, 5);
  printf("squares %d %d %d %d %d\n", sq[0], sq[1], sq[2], sq[3], sq[4]);
  union {
    char bytes[32];
    struct { char c; char pad[7]; double d; long long ll; float f; } v;
  } u;
  memset(&u, 0, sizeof u);
  poke(u.bytes, 3.5);
  printf("poke %d %g %lld %g\n", u.v.c, u.v.d, u.v.ll, u.v.f);
  int a = count(), b = count();
  printf("count %d %d\n", a, b);
  printf("twice_add %d\n", twice_add(4, 5));
  printf("call_c %d\n", call_c(3));
  // Memory grows between two calls: the views must cover the new part.
  size_t big = 48u << 20;
  unsigned char *p = malloc(big);
  if (!p) return 1;
  memset(p + big - 4, 1, 4);
  printf("sum_at %d\n", sum_at(p + big - 4, 4));
  free(p);
  printf("grow_inside %d\n", grow_inside(64));
  return 0;
}
