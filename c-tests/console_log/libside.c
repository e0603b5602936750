#include <emscripten/console.h>
void side_warn(const char *text) { emscripten_console_warn(text); }
