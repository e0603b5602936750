/* Startup: the smallest program that needs the loader, hello world calling
 * one function of a NEEDED library. */
#include <stdio.h>

int hello_lib(void);

int main(void) {
  printf("hello, world %d\n", hello_lib());
  return 0;
}
