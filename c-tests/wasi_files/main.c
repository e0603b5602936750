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
