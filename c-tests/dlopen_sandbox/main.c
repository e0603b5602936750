// dlopen names are paths in the program's own file system: the --dir
// grants, and beneath the library path. Nothing else on the host is
// reachable, through `..`, absolute paths, symlinks or /proc.
#include <dlfcn.h>
#include <stdio.h>

static void try(const char *name) {
  void *h = dlopen(name, RTLD_NOW);
  if (!h) {
    printf("%s: refused\n", name);
    return;
  }
  const char *(*who)(void) = (const char *(*)(void))dlsym(h, "who");
  printf("%s: %s\n", name, who ? who() : "no who");
}

int main(void) {
  try("libok.so");
  try("./libok.so");
  try("/data/libgranted.so");
  try("/data/../data/libgranted.so");
  try("libsecret.so");
  try("../libsecret.so");
  try("./../libsecret.so");
  try("/data/../libsecret.so");
  try("/data/escape.so");
  try("link_up.so");
  try("link_abs.so");
  try("/etc/passwd");
  try("/proc/self/exe");
  try("/proc/self/cwd/libsecret.so");
  return 0;
}
