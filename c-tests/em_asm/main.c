// EM_ASM code, which emcc 3.1.6 keeps in main.js (ASM_CONSTS) rather than
// in the wasm: ints, doubles and strings as arguments, int and double
// results, the MAIN_THREAD variants, and one realm shared with EM_JS code.
#include <emscripten.h>
#include <stdio.h>

EM_JS(void, remember, (int v), { globalThis.remembered = v; });

int main(void) {
  EM_ASM({ out('no arguments'); });
  EM_ASM({ out('ints ' + $0 + ' ' + $1 + ', double ' + $2); }, 7, -8, 2.25);
  EM_ASM({ out('string ' + UTF8ToString($0) + ', char ' + $1); }, "héllo", 'x');
  int i = EM_ASM_INT({ return $0 * $1; }, 6, 7);
  double d = EM_ASM_DOUBLE({ return $0 / 4 + $1; }, 3.0, 1);
  printf("int %d, double %g\n", i, d);
  remember(99);
  printf("shared realm %d\n", EM_ASM_INT({ return remembered + 1; }));
  MAIN_THREAD_EM_ASM({ out('main thread ' + $0); }, 5);
  printf("main thread int %d\n", MAIN_THREAD_EM_ASM_INT({ return $0 - 1; }, 10));
  printf("main thread double %g\n", MAIN_THREAD_EM_ASM_DOUBLE({ return $0 * 2; }, 1.25));
  MAIN_THREAD_ASYNC_EM_ASM({ out('async ' + $0); }, 3);
  int n = 0;
  EM_ASM({ HEAP32[$0 >> 2] = 1234; }, &n);
  printf("written %d\n", n);
  return 0;
}
