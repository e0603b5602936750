// Descriptor-level behaviour: dup2 redirection of stdout, pipes and poll,
// fcntl flags, isatty, lseek on files, seekdir/rewinddir, and a shared
// file mapping written back by munmap.
//
// wasi-libc (__wasi__) has no dup, dup2, F_DUPFD, pipe or file mappings
// (WASI has no such calls; its mmap emulation cannot share with a file):
// there the file the redirection would fill is written directly, and the
// rest is left out, which is what expected.clang and expected.clang-pie
// show. The access mode is printed as 0/1/2 because wasi-libc's O_RDONLY
// and O_WRONLY are not Linux's numbers.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef __wasi__
#include <sys/mman.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

static void cat(const char *path) {
  char buf[256] = {0};
  int fd = open(path, O_RDONLY);
  int n = read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("%s (%d bytes): %s", path, n, buf);
}

// The access mode as Linux numbers it.
static int accmode(int fl) {
  switch (fl & O_ACCMODE) {
  case O_RDONLY: return 0;
  case O_WRONLY: return 1;
  case O_RDWR: return 2;
  default: return -1;
  }
}

int main(void) {
  unlink("redir.txt");
  unlink("map.txt");
  unlink("dir/x");
  unlink("dir/y");
  rmdir("dir");

#ifdef __wasi__
  int f = open("redir.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  write(f, "this goes to the file\n", 22);
  close(f);
  printf("written directly\n");
#else
  // Redirect stdout into a file and back.
  fflush(stdout);
  int saved = dup(1);
  int f = open("redir.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  dup2(f, 1);
  close(f);
  printf("this goes to the file\n");
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  printf("back on stdout\n");
#endif
  cat("redir.txt");

  // isatty: the program's stdio are terminals, files are not.
  int rf = open("redir.txt", O_RDONLY);
  errno = 0;
  int t = isatty(rf);
  printf("isatty: stdin %d, stdout %d, file %d (%s)\n", isatty(0), isatty(1), t,
         strerror(errno));

  // fcntl.
  int fl = fcntl(rf, F_GETFL);
  printf("F_GETFL accmode=%d append=%d\n", accmode(fl), !!(fl & O_APPEND));
  int af = open("redir.txt", O_WRONLY | O_APPEND);
  fl = fcntl(af, F_GETFL);
  printf("F_GETFL accmode=%d append=%d\n", accmode(fl), !!(fl & O_APPEND));
  write(af, "appended\n", 9);
  close(af);
#ifndef __wasi__
  int high = fcntl(rf, F_DUPFD, 10);
  printf("F_DUPFD >= 10: %d\n", high);
  close(high);
#endif
  printf("lseek end: %ld\n", (long)lseek(rf, 0, SEEK_END));
  errno = 0;
  long off = lseek(rf, -100, SEEK_SET);
  printf("lseek before start: %ld %s\n", off, strerror(errno));
  close(rf);
  errno = 0;
  int r = close(rf);
  printf("close again: %d %s\n", r, strerror(errno));

#ifndef __wasi__
  // Pipes and poll.
  int p[2];
  pipe(p);
  struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  int ready = poll(pf, 2, 0);
  printf("poll empty pipe: %d ready, in=%d out=%d\n", ready, !!(pf[0].revents & POLLIN),
         !!(pf[1].revents & POLLOUT));
  write(p[1], "through the pipe", 16);
  ready = poll(pf, 2, 0);
  printf("poll full pipe: %d ready, in=%d\n", ready, !!(pf[0].revents & POLLIN));
  char buf[32] = {0};
  int n = read(p[0], buf, sizeof buf - 1);
  printf("pipe read %d: %s\n", n, buf);
  close(p[1]);
  close(p[0]);
#endif

  // seekdir / telldir / rewinddir.
  mkdir("dir", 0755);
  close(open("dir/x", O_CREAT | O_WRONLY, 0644));
  close(open("dir/y", O_CREAT | O_WRONLY, 0644));
  DIR *d = opendir("dir");
  int count = 0;
  long mark = -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (count++ == 1)
      mark = telldir(d);
  }
  seekdir(d, mark);
  int after = 0;
  while (readdir(d))
    after++;
  rewinddir(d);
  int again = 0;
  while (readdir(d))
    again++;
  closedir(d);
  printf("dir entries: %d, after the second: %d, after rewind: %d\n", count, after,
         again);

#ifndef __wasi__
  // A shared writable mapping reaches the file on munmap.
  int mf = open("map.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  write(mf, "hello mapping\n", 14);
  char *m = mmap(NULL, 14, PROT_READ | PROT_WRITE, MAP_SHARED, mf, 0);
  if (m == MAP_FAILED) {
    printf("mmap: %s\n", strerror(errno));
  } else {
    printf("mapped: %.5s\n", m);
    memcpy(m, "HELLO", 5);
    munmap(m, 14);
  }
  char *pm = mmap(NULL, 14, PROT_READ | PROT_WRITE, MAP_PRIVATE, mf, 0);
  memcpy(pm, "xxxxx", 5);
  munmap(pm, 14);
  close(mf);
  cat("map.txt");
  int ro = open("map.txt", O_RDONLY);
  errno = 0;
  void *bad = mmap(NULL, 14, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
  printf("shared writable map of O_RDONLY fd: %s\n",
         bad == MAP_FAILED ? strerror(errno) : "mapped");
  close(ro);
#endif

  unlink("redir.txt");
  unlink("map.txt");
  unlink("dir/x");
  unlink("dir/y");
  rmdir("dir");
  return 0;
}
