// File work from a side module: libc is the main's wasi-libc, so each call
// goes main -> WASI import -> dlrun's VFS, under the preopens.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    printf("opendir %s: %s\n", path, strerror(errno));
    return;
  }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while (n < 64 && (e = readdir(d)))
    names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  printf("ls %s:", path);
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void cat(const char *path) {
  errno = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("open %s: %s\n", path, strerror(errno));
    return;
  }
  char buf[128] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("read %s (%zd bytes): %s", path, n, buf);
}

static void try(const char *what, int r) {
  printf("%s: %s\n", what, r == 0 ? "ok" : strerror(errno));
}

int side_files(void) {
  // Leftovers of an interrupted earlier run.
  unlink("scratch/a.txt");
  unlink("scratch/b.txt");
  unlink("scratch/c.txt");
  rmdir("scratch");
  unlink("data/new.txt");
  char stale[80];
  for (int i = 0; i < 150; i++) {
    snprintf(stale, sizeof stale, "many/a_file_with_a_rather_long_name_%03d", i);
    unlink(stale);
  }
  rmdir("many");

  try("mkdir scratch", mkdir("scratch", 0755));
  int fd = open("scratch/a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  printf("create scratch/a.txt: %s\n", fd >= 0 ? "ok" : strerror(errno));
  printf("write: %zd\n", write(fd, "first line\n", 11));
  close(fd);
  fd = open("/scratch/a.txt", O_WRONLY | O_APPEND);
  printf("append: %zd\n", write(fd, "second line\n", 12));
  close(fd);
  cat("scratch/a.txt");

  fd = open("scratch/a.txt", O_RDWR);
  char buf[8] = {0};
  pread(fd, buf, 6, 11);
  printf("pread at 11: %s\n", buf);
  printf("lseek end: %ld\n", (long)lseek(fd, 0, SEEK_END));
  printf("ftruncate 11: %d\n", ftruncate(fd, 11));
  struct stat st;
  fstat(fd, &st);
  printf("fstat: size=%lld reg=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  close(fd);

  stat("scratch", &st);
  printf("stat scratch: dir=%d\n", S_ISDIR(st.st_mode));
  errno = 0;
  printf("stat scratch/missing: %d %s\n", stat("scratch/missing", &st), strerror(errno));
  fd = open("scratch/b.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
  close(fd);
  errno = 0;
  printf("O_EXCL again: %d %s\n", open("scratch/b.txt", O_CREAT | O_EXCL | O_WRONLY, 0644),
         strerror(errno));
  list_dir("scratch");

  try("rename a.txt -> c.txt", rename("scratch/a.txt", "scratch/c.txt"));
  cat("scratch/c.txt");
  try("rename across preopens", rename("scratch/c.txt", "/mnt/data/c.txt"));
  try("unlink b.txt", unlink("scratch/b.txt"));
  try("unlink c.txt", unlink("scratch/c.txt"));
  try("unlink missing", unlink("scratch/c.txt"));
  list_dir("scratch");
  try("rmdir scratch", rmdir("scratch"));

  // A directory bigger than libc's readdir buffer: read in several
  // batches, resuming from the cookie of the last whole entry.
  mkdir("many", 0755);
  char name[80];
  for (int i = 0; i < 150; i++) {
    snprintf(name, sizeof name, "many/a_file_with_a_rather_long_name_%03d", i);
    close(open(name, O_CREAT | O_WRONLY, 0644));
  }
  DIR *d = opendir("many");
  int count = 0, in_order = 1;
  char last[80] = "";
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    if (strcmp(last, e->d_name) >= 0)
      in_order = 0;
    snprintf(last, sizeof last, "%s", e->d_name);
    count++;
  }
  closedir(d);
  printf("many: %d files, each once: %d, last %s\n", count, in_order, last);
  for (int i = 0; i < 150; i++) {
    snprintf(name, sizeof name, "many/a_file_with_a_rather_long_name_%03d", i);
    unlink(name);
  }
  try("rmdir many", rmdir("many"));

  // The second preopen and the virtual directory above it.
  list_dir("/mnt");
  list_dir("/mnt/data");
  cat("/mnt/data/inside.txt");
  try("chdir /mnt/data", chdir("/mnt/data"));
  cat("inside.txt");
  cat("../../hello.txt");
  fd = open("new.txt", O_CREAT | O_WRONLY, 0644);
  printf("create in /mnt/data: %s\n", fd >= 0 ? "ok" : strerror(errno));
  close(fd);
  try("unlink new.txt", unlink("new.txt"));
  try("chdir /", chdir("/"));
  errno = 0;
  printf("create in /mnt: %d %s\n", open("/mnt/x", O_CREAT | O_WRONLY, 0644),
         strerror(errno));

  // Refusals: `..` stops at the guest root; paths outside are missing;
  // links that leave the directory tree are not followed.
  cat("../../../etc/passwd");
  cat("/etc/passwd");
  cat("/mnt/data/../../../etc/passwd");
  cat("abs_link");
  cat("up_link");
  try("symlink to /etc/passwd", symlink("/etc/passwd", "new_link"));
  try("symlink to ../x", symlink("../x", "new_link"));
  char target[64] = {0};
  ssize_t n = readlink("up_link", target, sizeof target - 1);
  printf("readlink up_link: %s\n", n < 0 ? strerror(errno) : target);
  errno = 0;
  n = readlink("abs_link", target, sizeof target - 1);
  printf("readlink abs_link: %s\n", n < 0 ? strerror(errno) : "read");
  return 0;
}
