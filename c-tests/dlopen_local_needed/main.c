#define _GNU_SOURCE
#include <stdio.h>
#include <dlfcn.h>
int main(void) {
  /* RTLD_LOCAL: the plugin's NEEDED helper is loaded too, and the plugin
     binds to it, but neither joins the global scope */
  void *p = dlopen("libplugin.so", RTLD_NOW | RTLD_LOCAL);
  if (!p) { printf("dlopen plugin failed: %s\n", dlerror()); return 1; }
  int (*plugin_run)(int) = (int (*)(int))dlsym(p, "plugin_run");
  if (!plugin_run) { printf("dlsym plugin_run failed: %s\n", dlerror()); return 1; }
  printf("plugin_run -> %d\n", plugin_run(20));

  /* dlsym on a handle searches the library and its dependencies */
  int (*twice)(int) = (int (*)(int))dlsym(p, "helper_twice");
  printf("helper_twice via plugin handle: %s\n", twice ? "found" : "NULL");
  if (twice) printf("helper_twice(8) = %d\n", twice(8));

  printf("RTLD_DEFAULT plugin_run: %s\n", dlsym(RTLD_DEFAULT, "plugin_run") ? "found" : "NULL");
  printf("RTLD_DEFAULT helper_twice: %s\n", dlsym(RTLD_DEFAULT, "helper_twice") ? "found" : "NULL");

  void *h = dlopen("libhelper.so", RTLD_NOW | RTLD_NOLOAD);
  printf("helper already loaded: %s\n", h ? "yes" : "no");
  int *count = h ? (int *)dlsym(h, "helper_count") : NULL;
  printf("helper_count = %d\n", count ? *count : -1);
  return 0;
}
