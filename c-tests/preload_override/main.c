// Host functions supplied in C: a library given with --preload defines
// env imports of the main module, and, as with LD_PRELOAD, its definitions
// win over dlrun's own (getloadavg), over EM_JS code (js_answer), and
// stand in for imports nothing else defines (host_greeting).
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>

const char *host_greeting(void);
EM_JS(int, js_answer, (void), { return 42; });
EM_JS(int, js_other, (void), { return 1; });

int main(void) {
  double avg[3];
  int n = getloadavg(avg, 3);
  printf("getloadavg %d: %g %g %g\n", n, avg[0], avg[1], avg[2]);
  printf("%s\n", host_greeting());
  printf("js_answer %d, js_other %d\n", js_answer(), js_other());
  return 0;
}
