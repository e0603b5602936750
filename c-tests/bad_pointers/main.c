// Pointers outside the program's memory given to file calls: each call
// fails with EFAULT ("Bad address") and the program goes on.
//
// wasi-libc (__wasi__) reads paths, stat buffers and pollfd arrays in the
// program itself (to find the preopen a path lies under, and to convert
// WASI's filestat and events into struct stat and revents), so a bad
// pointer there traps in the program, as a native program would fault; and
// it has no pipe(). Only the calls that hand the pointer straight to dlrun
// (read, write, readlink) are made there: expected.clang and
// expected.clang-pie are this output without the other lines.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, long r) {
  printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

int main(void) {
  // Far outside a wasm32 program's memory, and unmapped in a native
  // 64-bit process too.
  void *bad = (void *)(uintptr_t)0xfffff000u;
  int fd = open("data.txt", O_RDONLY);
  printf("open data.txt: %s\n", fd >= 0 ? "ok" : strerror(errno));
  errno = 0;
  show("read into bad buffer", read(fd, bad, 16));
  errno = 0;
  show("write from bad buffer", write(1, bad, 16));
#ifndef __wasi__
  struct stat st;
  errno = 0;
  show("stat bad path", stat(bad, &st));
  errno = 0;
  show("stat into bad buffer", stat("data.txt", bad));
  errno = 0;
  show("fstat into bad buffer", fstat(fd, bad));
  errno = 0;
  show("open bad path", open(bad, O_RDONLY));
  errno = 0;
  show("mkdir bad path", mkdir(bad, 0755));
  errno = 0;
  show("pipe into bad buffer", pipe(bad));
  errno = 0;
  show("poll bad array", poll(bad, 1, 0));
#endif
  errno = 0;
  show("readlink into bad buffer", readlink("link", bad, 16));
  char buf[8] = {0};
  errno = 0;
  show("read after all that", read(fd, buf, 4));
  printf("read: %s\n", buf);
  close(fd);
  return 0;
}
