// emscripten_console_* print like node's console: log to stdout, warn and
// error to stderr, each with a newline; also through a function pointer.
#include <emscripten/console.h>
#include <stdio.h>

void side_warn(const char *text);

int main(void) {
  emscripten_console_log("log from main");
  void (*log)(const char *) = emscripten_console_log;
  log("log through a pointer");
  side_warn("warned by the library");
  emscripten_console_error("an error line");
  return 0;
}
