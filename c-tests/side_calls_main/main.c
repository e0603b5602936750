#include <stdio.h>
#include <dlfcn.h>

int main_counter = 7;
int main_table[4] = {1, 2, 3, 4};
const char *main_name = "main-module";
double main_ratio = 0.125;

int main_square(int x) { return x * x; }
void main_log(const char *s) { printf("[main_log] %s\n", s); }
long long main_big(long long x) { return x * 4; }

int user_run(void);
int *user_counter_addr(void);

int main(void) {
  int r = user_run();
  printf("user_run returned %d\n", r);
  printf("main sees counter=%d table[3]=%d name=%s ratio=%.3f\n",
         main_counter, main_table[3], main_name, main_ratio);
  printf("same counter address: %d\n", user_counter_addr() == &main_counter);

  void *h = dlopen("libplug.so", RTLD_NOW);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  int (*plug_run)(int) = (int (*)(int))dlsym(h, "plug_run");
  if (!plug_run) { printf("dlsym failed: %s\n", dlerror()); return 1; }
  printf("plug_run(11)=%d\n", plug_run(11));
  printf("main sees counter=%d\n", main_counter);
  return 0;
}
