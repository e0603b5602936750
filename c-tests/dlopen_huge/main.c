// A library file is checked before it is read: a file without the wasm
// header is refused after its first 8 bytes, and one past the size limit
// on modules is refused without being read, however large it claims to be.
// Both files are 3 GiB and sparse (a few KiB on disk): reading either
// whole would take seconds and gigabytes of the host's memory.
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const off_t huge = (off_t)3 << 30;

// Writes `head` (n bytes) to a new file at `path`, then sets its size.
static int make(const char *path, const char *head, size_t n) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) {
    perror(path);
    return -1;
  }
  int ok = (n == 0 || write(fd, head, n) == (ssize_t)n) && ftruncate(fd, huge) == 0;
  if (!ok) perror(path);
  close(fd);
  return ok ? 0 : -1;
}

static void try(const char *path) {
  void *h = dlopen(path, RTLD_NOW);
  const char *e = dlerror();
  printf("dlopen(\"%s\"): %s\n", path, h ? "a handle" : "NULL");
  printf("  dlerror: %s\n", e ? e : "(none)");
}

int main(void) {
  if (make("/data/sparse.so", "", 0) == 0) try("/data/sparse.so");
  // A valid wasm header (magic and version 1), then 3 GiB of zero bytes.
  if (make("/data/zeros.so", "\0asm\1\0\0\0", 8) == 0) try("/data/zeros.so");
  unlink("/data/sparse.so");
  unlink("/data/zeros.so");
  return 0;
}
