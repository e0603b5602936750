// A -sMAIN_MODULE=2 main keeps only the JavaScript library functions its
// link-time libraries import; under dlrun the runtime provides them.
#include <stdio.h>
int side_run(void);
int main(void) {
  printf("side_run() = %d\n", side_run());
  return 0;
}
