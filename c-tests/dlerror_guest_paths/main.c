// dlerror names libraries as the program knows them: by the path it gave
// for a file in a --dir grant, by the library name for one found in the
// library path; never by a host path, nor the directories searched (those
// are in --trace dl, for the user). dladdr names them the same way
// (Emscripten's libc answers "unknown" for every address: expected.emcc).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

static void try(const char *name) {
  void *h = dlopen(name, RTLD_NOW);
  const char *e = dlerror();
  printf("%s: %s\n", name, h ? "a handle" : e ? e : "NULL without an error");
}

static void where(const char *name) {
  void *h = dlopen(name, RTLD_NOW);
  int *data = h ? (int *)dlsym(h, "ok_data") : NULL;
  Dl_info info;
  if (data && dladdr(data, &info))
    printf("dladdr(ok_data of %s): %s\n", name, info.dli_fname);
  else
    printf("dladdr(ok_data of %s): not found\n", name);
}

int main(void) {
  try("/data/libneeds.so");
  try("/data/libnotwasm.so");
  try("/data/libundef.so");
  try("/data/libtrap.so");
  try("/data/../data/libnotwasm.so");
  try("libneeds.so");
  try("libnotwasm.so");
  try("libundef.so");
  try("libtrap.so");
  where("/data/libok.so");
  where("libok.so");
  return 0;
}
