#include <setjmp.h>
#include <stdio.h>
void side_jump(jmp_buf *b, int v);
int side_catch(void (*f)(int));
static jmp_buf *gb;
jmp_buf mb;
void main_jump(int v) { longjmp(mb, v + 10); }
int main() {
  jmp_buf b; int r = setjmp(b);
  if (r == 0) { side_jump(&b, 42); printf("not reached\n"); }
  printf("caught %d\n", r);
  int q = setjmp(mb);
  if (q == 0) { side_catch(main_jump); printf("nope\n"); }
  printf("caught2 %d\n", q);
  return 0;
}
