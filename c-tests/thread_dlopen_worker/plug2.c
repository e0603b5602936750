#include <stdio.h>
static const char *names[] = {"zero", "one", "two", "three", "four", "five"};
int plug2_base = 1000;
__attribute__((constructor)) static void init(void) { printf("plug2 constructor\n"); }
static int twice(int x) { return 2 * x; }
// Returns a pointer to a function private to this module.
int (*plug2_twice(void))(int) { return twice; }
const char *plug2_name(int i) { return names[i]; }
int plug2_add(int x) { return plug2_base + x; }
