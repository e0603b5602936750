// Throws on whichever thread calls it; Guard destructors run on the way out
// (normal return or unwinding) and are counted.
#include <atomic>
#include <stdexcept>
#include <string>

std::atomic<int> guards_destroyed{0};
struct Guard { ~Guard() { guards_destroyed++; } };
struct CodeError : std::runtime_error {
  int code;
  CodeError(int c) : std::runtime_error("code " + std::to_string(c)), code(c) {}
};

static void deeper(int v) {
  Guard g;
  switch (v % 4) {
    case 0: throw std::runtime_error("runtime " + std::to_string(v));
    case 1: throw CodeError(v);
    case 2: throw v;
    default: break;  // no throw
  }
}

int may_throw(int v) {
  Guard g;
  deeper(v);
  return v;
}
