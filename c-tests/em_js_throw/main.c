// An EM_JS function that throws ends the program (status 134) with a
// message naming the function and the JavaScript error; so does one that
// uses something that does not exist (with the argument "missing"). An
// exception JavaScript catches itself is no error.
#include <emscripten.h>
#include <stdio.h>
#include <string.h>

EM_JS(int, caught, (void), {
  try { null.x; } catch (e) { return e instanceof TypeError ? 1 : 0; }
  return 2;
});
EM_JS(void, kaboom, (int n), { throw new RangeError("kaboom " + n); });
EM_JS(void, uses_missing, (void), { no_such_helper(1); });

int main(int argc, char **argv) {
  printf("caught %d\n", caught());
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "missing") == 0)
    uses_missing();
  else
    kaboom(3);
  printf("not reached\n");
  return 0;
}
