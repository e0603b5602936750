// A C glClear, loaded after main took glClear's address.
#include <stdio.h>
void glClear(unsigned mask) { printf("mygl glClear(%#x)\n", mask); }
