// EM_JS with -sWASM_BIGINT: emcc leaves the wasm as the linker wrote it, so
// each function's source is named by its __em_js__ export; the build removes
// main.js to show that dlrun needs nothing else. int64_t crosses as a BigInt.
#include <emscripten.h>
#include <stdint.h>
#include <stdio.h>

EM_JS(int64_t, times3, (int64_t v), { return v * 3n; });
EM_JS(int, high_word, (int64_t v), { return Number(v >> 32n); });
EM_JS(double, mix, (int a, int64_t b, double c), { return a + Number(b) + c; });
EM_JS(void, shout, (const char *s), { console.log(UTF8ToString(s).toUpperCase()); });

int main(void) {
  printf("times3 %lld\n", (long long)times3(-5000000000LL));
  printf("high_word %d\n", high_word(0x123456789LL));
  printf("mix %g\n", mix(1, 2, 0.5));
  fflush(stdout);
  shout("from the wasm's own data");
  return 0;
}
