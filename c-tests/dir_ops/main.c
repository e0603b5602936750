// mkdir, chdir, getcwd, fchdir, rmdir and access, with their errors.
//
// expected.clang and expected.clang-pie differ where wasi-libc does: its
// chdir keeps the working directory as the string it was given, appended
// to the previous one without resolving `.` or `..` (getcwd then prints
// e.g. /d1/d2/..; the directories reached are the same), and it has no
// fchdir, so chdir stands in for it.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *what, int r) {
  if (r == 0)
    printf("%s: ok\n", what);
  else
    printf("%s: %s\n", what, strerror(errno));
}

static void cwd(void) {
  char buf[4096];
  if (getcwd(buf, sizeof buf))
    printf("cwd: %s\n", buf);
  else
    printf("getcwd: %s\n", strerror(errno));
}

int main(void) {
  // Leftovers of an interrupted earlier run.
  unlink("d1/f");
  rmdir("d1/d2");
  rmdir("d1");

  cwd();
  report("mkdir d1", mkdir("d1", 0755));
  report("mkdir d1 again", mkdir("d1", 0755));
  report("mkdir d1/d2", mkdir("d1/d2", 0755));
  report("mkdir nope/x", mkdir("nope/x", 0755));
  report("chdir d1/d2", chdir("d1/d2"));
  cwd();
  report("chdir ..", chdir(".."));
  cwd();
  report("chdir ../..", chdir("../.."));
  cwd();
  report("chdir .. at the top", chdir(".."));
  cwd();
  report("chdir /d1/./d2/../d2", chdir("/d1/./d2/../d2"));
  cwd();
  char small[4];
  errno = 0;
  char *got = getcwd(small, sizeof small);
  printf("getcwd small buffer: %s %s\n", got ? "ok" : "null", strerror(errno));
  report("chdir /", chdir("/"));

  int fd = open("d1/f", O_CREAT | O_WRONLY, 0644);
  printf("create d1/f: %s\n", fd >= 0 ? "ok" : strerror(errno));
  close(fd);
  report("chdir d1/f", chdir("d1/f"));
  report("chdir missing", chdir("missing"));
  report("access d1 F_OK", access("d1", F_OK));
  report("access d1 R_OK|W_OK|X_OK", access("d1", R_OK | W_OK | X_OK));
  report("access d1/f R_OK", access("d1/f", R_OK));
  report("access d1/nope F_OK", access("d1/nope", F_OK));
  report("rmdir d1 (not empty)", rmdir("d1"));
  report("rmdir d1/f (a file)", rmdir("d1/f"));
  report("unlink d1/d2 (a directory)", unlink("d1/d2"));
  report("rmdir missing", rmdir("missing"));

  int dfd = open("d1", O_RDONLY | O_DIRECTORY);
  printf("open d1 O_DIRECTORY: %s\n", dfd >= 0 ? "ok" : strerror(errno));
#ifdef __wasi__
  // wasi-libc has no fchdir (its working directory is a path it keeps).
  close(dfd);
  report("chdir d1", chdir("d1"));
  cwd();
#else
  report("fchdir d1", fchdir(dfd));
  cwd();
  close(dfd);
  int ffd = open("f", O_RDONLY);
  report("fchdir to a file", fchdir(ffd));
  close(ffd);
#endif
  report("open f O_DIRECTORY", open("f", O_RDONLY | O_DIRECTORY) < 0 ? -1 : 0);
  report("chdir /", chdir("/"));

  struct stat st;
  report("stat /", stat("/", &st));
  printf("/ is a directory: %d\n", S_ISDIR(st.st_mode));
  report("unlink d1/f", unlink("d1/f"));
  report("rmdir d1/d2", rmdir("d1/d2"));
  report("rmdir d1", rmdir("d1"));
  report("stat d1", stat("d1", &st));
  return 0;
}
