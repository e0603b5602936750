#include <stdio.h>
int counter = 5;
int *pc = &counter;
extern int main_val;
int side_add(int a, int b) { return a + b + main_val; }
long long side_i64(long long x) { return x * 3; }
__attribute__((constructor)) static void init(void) { printf("side ctor\n"); }
int (*get_fp(void))(int,int) { return side_add; }
