#include <stdexcept>
#include <string>
#include <cstdio>
struct Guard { const char *n; Guard(const char *n) : n(n) {} ~Guard() { printf("~Guard %s\n", n); } };
struct MyError : std::runtime_error { int code; MyError(int c) : std::runtime_error("my error " + std::to_string(c)), code(c) {} };
void thrower_throw(int v) {
  Guard g("thrower");
  if (v == 1) throw std::runtime_error("boom " + std::to_string(v));
  if (v == 2) throw MyError(v);
  if (v == 3) throw 3.5;
}
