// Throws and catches on whichever thread calls it; counter is a thread-local
// of this library.
#include <stdexcept>
thread_local int counter = 5;
void maybe(int v) { if (v) throw std::runtime_error("x"); }
int work(int v) {
  try { maybe(v); } catch (...) { counter += 100; }
  return ++counter;
}
