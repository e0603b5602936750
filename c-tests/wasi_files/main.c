// WASI preopens from a clang/wasi-libc main: each --dir is a preopened
// directory (fds 3, 4 here) named by its guest path; wasi-libc resolves
// every path against one of them and dlrun's VFS resolves the rest the
// same way as for an Emscripten program. The file work itself happens in
// a side module (files.c), through the main's libc.
//
// The emcc flavour runs the side module too, to show that it prints the
// same there: expected.emcc is expected without the WASI-only part (an
// Emscripten program has no preopens).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __wasi__
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <wasi/api.h>
#endif

int side_files(void);

#ifdef __wasi__

static void raw_open(__wasi_fd_t dir, const char *path) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                      __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  printf("path_open(%u, \"%s\"): ", dir, path);
  if (e == 0) {
    printf("fd %u\n", fd);
    __wasi_fd_close(fd);
  } else {
    printf("errno %u (%s)\n", e, strerror(e));
  }
}

static void preopens(void) {
  // The preopens, as wasi-libc finds them: fd 3 up to the first EBADF.
  __wasi_fd_t fd = 3;
  for (;; fd++) {
    __wasi_prestat_t ps;
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
    if (e != 0) {
      printf("fd_prestat_get(%u): errno %u (%s)\n", fd, e, strerror(e));
      break;
    }
    char name[64] = {0};
    size_t len = ps.u.dir.pr_name_len < sizeof name ? ps.u.dir.pr_name_len : sizeof name - 1;
    __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len);
    printf("preopen %u: %s\n", fd, name);
  }
  char small[2];
  printf("fd_prestat_dir_name into 2 bytes: errno %u\n",
         __wasi_fd_prestat_dir_name(4, (uint8_t *)small, sizeof small));

  // WASI calls made directly: paths are relative to the directory fd;
  // `..` stops at the guest root, absolute paths and links out are EPERM.
  raw_open(3, "hello.txt");
  raw_open(4, "inside.txt");
  raw_open(4, "../../hello.txt");
  raw_open(3, "../../etc/passwd");
  raw_open(3, "/etc/passwd");
  raw_open(3, "abs_link");
  raw_open(3, "up_link");
  raw_open(1, "hello.txt");
  raw_open(9, "hello.txt");

  // Descriptors: renumber moves one onto another, which it closes.
  int a = open("hello.txt", O_RDONLY), b = open("data/inside.txt", O_RDONLY);
  char c = 0;
  read(a, &c, 1);
  __wasi_filesize_t pos = 0;
  __wasi_fd_tell(a, &pos);
  printf("fd_tell after 1 byte: %llu\n", (unsigned long long)pos);
  printf("fd_renumber(%d, %d): %u\n", a, b, __wasi_fd_renumber(a, b));
  read(b, &c, 1);
  printf("read from %d: %c; fd %d: %s\n", b, c, a,
         __wasi_fd_close(a) == __WASI_ERRNO_BADF ? "closed" : "open");
  close(b);
  printf("sock_shutdown(0): %u, sched_yield: %u, random_get(bad): %u\n",
         __wasi_sock_shutdown(0, __WASI_SDFLAGS_WR), __wasi_sched_yield(),
         __wasi_random_get((uint8_t *)(uintptr_t)0xfffff000u, 16));

  // poll_oneoff: a ready file wins over a clock; a clock alone sleeps.
  int f = open("hello.txt", O_RDONLY);
  struct pollfd pf = {f, POLLIN, 0};
  int ready = poll(&pf, 1, 1000);
  printf("poll file: %d ready, in=%d\n", ready, !!(pf.revents & POLLIN));
  close(f);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  usleep(20000);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("usleep(20000) slept at least 20 ms: %d\n", ms >= 20);
}
#endif

int main(void) {
#ifdef __wasi__
  preopens();
#endif
  int r = side_files();
  printf("side_files: %d\n", r);
  return r;
}
