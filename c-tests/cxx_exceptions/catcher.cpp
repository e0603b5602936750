#include <stdexcept>
#include <cstdio>
void thrower_throw(int v);
int catcher_catch(void (*f)(int), int v) {
  try { f(v); } catch (const std::logic_error &e) { printf("catcher caught logic: %s\n", e.what()); return 1; }
  catch (double d) { printf("catcher caught double %.1f\n", d); return 2; }
  return 0;
}
int catcher_pass(int v) {
  try { thrower_throw(v); } catch (int) { printf("never\n"); }
  return -1;
}
