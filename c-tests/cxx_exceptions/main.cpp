#include <stdexcept>
#include <cstdio>
#include <iostream>
#include <string>
void thrower_throw(int v);
int catcher_catch(void (*f)(int), int v);
int catcher_pass(int v);
void main_throw(int v) { throw std::logic_error("main logic " + std::to_string(v)); }
int main() {
  try { thrower_throw(1); } catch (const std::runtime_error &e) { printf("main caught %s\n", e.what()); }
  try { catcher_pass(2); } catch (const std::exception &e) { printf("main caught through catcher: %s\n", e.what()); }
  printf("catch logic=%d\n", catcher_catch(main_throw, 7));
  printf("catch double=%d\n", catcher_catch(thrower_throw, 3));
  try {
    try { throw 42; } catch (int x) { printf("int %d\n", x); throw; }
  } catch (int y) { printf("rethrown %d\n", y); }
  try {
    try { thrower_throw(2); } catch (std::exception &e) { printf("inner %s\n", e.what()); throw; }
  } catch (std::runtime_error &e) { printf("outer %s\n", e.what()); }
  std::cout << "uncaught now " << std::uncaught_exceptions() << std::endl;
  return 0;
}
