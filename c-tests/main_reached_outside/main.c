/* Functions of main that main itself never takes the address of, reached
 * only from outside: called by a NEEDED library and by a dlopened one,
 * their addresses taken there and looked up with dlsym. A first run
 * compiled with Winch trims an Emscripten main's function exports and
 * reaches these through thunks: every way must give one pointer. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*int_fn)(int);
typedef long long (*wide_fn)(long long, int, double);

int main_triple(int x) { return 3 * x; }
long long main_wide(long long a, int b, double c) { return a * b + (long long)c; }

int user_calls(void);
int_fn user_addr_of_triple(void);
int_fn user_addr_of_abs(void);
wide_fn user_addr_of_wide(void);

int main(void) {
  printf("user_calls %d\n", user_calls());
  int_fn t = user_addr_of_triple();
  printf("triple through the library's pointer %d\n", t(5));
  printf("wide through the library's pointer %lld\n", user_addr_of_wide()(1LL << 40, 3, 2.5));

  void *self = dlopen(NULL, RTLD_NOW);
  int_fn t_dl = (int_fn)dlsym(self, "main_triple");
  int_fn abs_dl = (int_fn)dlsym(RTLD_DEFAULT, "abs");
  printf("dlsym main_triple == library's: %d, abs: %d\n", t_dl == t, abs_dl == user_addr_of_abs());

  void *h = dlopen("libplug.so", RTLD_NOW);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  int (*plug_calls)(void) = (int (*)(void))dlsym(h, "plug_calls");
  int_fn (*plug_addr_of_triple)(void) = (int_fn (*)(void))dlsym(h, "plug_addr_of_triple");
  int_fn (*plug_addr_of_abs)(void) = (int_fn (*)(void))dlsym(h, "plug_addr_of_abs");
  printf("plug_calls %d\n", plug_calls());
  printf("plug's main_triple == library's: %d, abs: %d\n", plug_addr_of_triple() == t,
         plug_addr_of_abs() == abs_dl);
  printf("abs through plug's pointer %d\n", plug_addr_of_abs()(-42));
  return 0;
}
