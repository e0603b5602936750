// The expected output: the loop of main.c with js_mix done in C.
#include <stdio.h>
static int mix(int a, int b) { return (int)((unsigned)a * 31u + (unsigned)b); }
int main(void) {
  for (int me = 0; me < 4; me++) {
    int acc = 0;
    for (int i = 0; i < 200; i++) acc = mix(acc, me + i) & 0xffff;
    printf("thread %d: %d\n", me, acc);
  }
  printf("main: %d\n", mix(1, 2));
  return 0;
}
