// type_info objects whose vtables point at type_info objects: an int thrown
// past a catch clause of class type, pointers thrown and caught as const,
// dynamic_cast through a class hierarchy, on the main thread and a worker.
// Built with threads, emcc 3.1.6's main applies its data relocations before
// the globals they read hold their addresses (node ends in "table index is
// out of bounds").
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <typeinfo>

struct Base { virtual ~Base() = default; };
struct Left : Base {};
struct Right : Base {};

__attribute__((noinline)) void thrower(int k) {
  static int target = 7;
  switch (k) {
    case 0: throw 42;
    case 1: throw &target;
    case 2: throw std::logic_error("logic");
    case 3: throw Left();
  }
}

static void round(const char *who) {
  for (int k = 0; k < 4; k++) {
    try {
      thrower(k);
    } catch (const std::runtime_error &) {
      printf("%s %d: runtime_error\n", who, k);
    } catch (const Right &) {
      printf("%s %d: Right\n", who, k);
    } catch (int i) {
      printf("%s %d: int %d\n", who, k, i);
    } catch (const int *p) {
      printf("%s %d: const int* to %d\n", who, k, *p);
    } catch (const std::exception &e) {
      printf("%s %d: exception %s\n", who, k, e.what());
    } catch (const Base &b) {
      printf("%s %d: Base, dynamic type %s\n", who, k,
             dynamic_cast<const Left *>(&b) ? "Left" : "other");
    }
  }
  Base *objects[] = {new Left, new Right};
  for (Base *b : objects) {
    printf("%s: Left %d Right %d\n", who, dynamic_cast<Left *>(b) != nullptr,
           dynamic_cast<Right *>(b) != nullptr);
    delete b;
  }
  printf("%s: %s\n", who, typeid(int *) == typeid(int *) ? "int* names one type" : "?");
}

int main() {
  round("main");
  std::thread t([] { round("worker"); });
  t.join();
  return 0;
}
