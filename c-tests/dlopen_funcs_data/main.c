#include <stdio.h>
#include <dlfcn.h>

struct point { int x, y; const char *name; };

int main(void) {
  void *h = dlopen("libdata.so", RTLD_NOW);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }

  int (*mul)(int, int) = (int (*)(int, int))dlsym(h, "mul");
  double (*scale)(double) = (double (*)(double))dlsym(h, "scale");
  int (*get_int)(void) = (int (*)(void))dlsym(h, "get_int");
  int (*sum_array)(void) = (int (*)(void))dlsym(h, "sum_array");
  int (*point_sum)(void) = (int (*)(void))dlsym(h, "point_sum");
  const char *(*point_name)(void) = (const char *(*)(void))dlsym(h, "point_name");
  int *ip = (int *)dlsym(h, "lib_int");
  int *arr = (int *)dlsym(h, "lib_array");
  struct point *pt = (struct point *)dlsym(h, "lib_point");
  const char *msg = (const char *)dlsym(h, "lib_msg");
  if (!mul || !scale || !get_int || !sum_array || !point_sum || !point_name ||
      !ip || !arr || !pt || !msg) {
    printf("dlsym failed: %s\n", dlerror());
    return 1;
  }

  printf("mul(6,7) = %d\n", mul(6, 7));
  printf("scale(4) = %.2f\n", scale(4.0));
  printf("msg = %s\n", msg);

  printf("int: via ptr %d, via func %d\n", *ip, get_int());
  *ip = 1234;
  printf("int after write: via ptr %d, via func %d\n", *ip, get_int());

  printf("array sum %d, arr[2] %d\n", sum_array(), arr[2]);
  for (int i = 0; i < 5; i++) arr[i] *= 10;
  printf("array sum after write %d, arr[4] %d\n", sum_array(), arr[4]);

  printf("point %d %d %s sum %d name %s\n", pt->x, pt->y, pt->name, point_sum(), point_name());
  pt->x = 100;
  pt->y = -1;
  pt->name = "moved";
  printf("point after write sum %d name %s\n", point_sum(), point_name());

  /* a second dlsym returns the same address */
  printf("same int addr: %d\n", (int *)dlsym(h, "lib_int") == ip);
  printf("dlclose: %d\n", dlclose(h));
  return 0;
}
