#include <stdio.h>
/* all of these are defined in the main module */
extern int main_counter;
extern int main_table[4];
extern const char *main_name;
extern double main_ratio;
int main_square(int x);
void main_log(const char *s);
long long main_big(long long x);

int user_run(void) {
  main_log("user_run start");
  printf("user sees counter=%d name=%s ratio=%.3f\n", main_counter, main_name, main_ratio);
  int s = 0;
  for (int i = 0; i < 4; i++) s += main_table[i];
  printf("user sees table sum %d\n", s);
  main_counter += 5;
  main_table[3] = 400;
  main_name = "renamed-by-user";
  main_ratio *= 2;
  printf("user calls main_square(9)=%d main_big=%lld\n", main_square(9), main_big(3000000000LL));
  return main_square(main_counter);
}

int *user_counter_addr(void) { return &main_counter; }
