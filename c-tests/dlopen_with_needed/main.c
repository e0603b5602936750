#include <stdio.h>
#include <dlfcn.h>
int main(void) {
  void *p = dlopen("libplugin.so", RTLD_NOW | RTLD_GLOBAL);
  if (!p) { printf("dlopen plugin failed: %s\n", dlerror()); return 1; }
  int (*plugin_run)(int) = (int (*)(int))dlsym(p, "plugin_run");
  int *(*plugin_count_addr)(void) = (int *(*)(void))dlsym(p, "plugin_count_addr");
  if (!plugin_run || !plugin_count_addr) { printf("dlsym plugin failed: %s\n", dlerror()); return 1; }
  printf("plugin_run -> %d\n", plugin_run(20));

  /* the dependency is already loaded: dlopen by name gives the same instance */
  void *h = dlopen("libhelper.so", RTLD_NOW);
  if (!h) { printf("dlopen helper failed: %s\n", dlerror()); return 1; }
  int (*helper_twice)(int) = (int (*)(int))dlsym(h, "helper_twice");
  int *count = (int *)dlsym(h, "helper_count");
  if (!helper_twice || !count) { printf("dlsym helper failed: %s\n", dlerror()); return 1; }
  printf("helper_twice(7) = %d\n", helper_twice(7));
  printf("helper_count = %d, same instance %d\n", *count, count == plugin_count_addr());
  *count = 100;
  printf("plugin_run -> %d\n", plugin_run(1));
  return 0;
}
