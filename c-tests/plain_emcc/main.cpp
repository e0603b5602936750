// A program linked without -sMAIN_MODULE: emcc 3.1.6 keeps its stack
// pointer to itself and exports only stackSave/stackRestore, through which
// dlrun passes argv on the stack and restores the stack after a longjmp or
// a caught exception. An uncaught exception is named as glibc names it;
// its what() is not printed: the program exports no __cxa_can_catch to
// tell whether it is a std::exception.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

static jmp_buf env;

static void jump(int depth) {
  char pad[256];
  snprintf(pad, sizeof pad, "%d", depth);
  if (depth == 0)
    longjmp(env, 7);
  jump(depth - 1);
}

static int thrower(int n) {
  if (n > 2)
    throw std::out_of_range("too far");
  return n;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    printf("arg %d: %s\n", i, argv[i]);
  printf("HOME set: %s\n", getenv("HOME") ? "yes" : "no");
  int v = setjmp(env);
  if (v == 0)
    jump(50);
  printf("longjmp gave %d\n", v);
  for (int i = 0; i < 1000; i++) {
    try {
      thrower(3);
    } catch (const std::out_of_range &e) {
      if (i == 999)
        printf("caught %s 1000 times\n", e.what());
    }
  }
  fflush(stdout);
  throw std::runtime_error("uncaught at last");
}
