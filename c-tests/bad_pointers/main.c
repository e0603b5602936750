// Pointers outside the program's memory given to file calls: each call
// fails with EFAULT ("Bad address") and the program goes on.
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
  struct stat st;
  errno = 0;
  show("read into bad buffer", read(fd, bad, 16));
  errno = 0;
  show("write from bad buffer", write(1, bad, 16));
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
  errno = 0;
  show("readlink into bad buffer", readlink("link", bad, 16));
  char buf[8] = {0};
  errno = 0;
  show("read after all that", read(fd, buf, 4));
  printf("read: %s\n", buf);
  close(fd);
  return 0;
}
