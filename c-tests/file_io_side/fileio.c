// File I/O done from a side module: libc lives in the main module, so
// every call crosses into main and from there to the host's file system.
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

static void print_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("fopen %s: %s\n", path, strerror(errno));
    return;
  }
  char line[128];
  while (fgets(line, sizeof line, f))
    printf("  | %s", line);
  fclose(f);
}

int file_io(void) {
  // Leftovers of an interrupted earlier run.
  unlink("work/a.txt");
  unlink("work/b.bin");
  unlink("work/c.txt");
  rmdir("work/sub");
  rmdir("work");

  if (mkdir("work", 0755) != 0) {
    printf("mkdir work: %s\n", strerror(errno));
    return 1;
  }
  FILE *f = fopen("work/a.txt", "w");
  if (!f) {
    printf("fopen w: %s\n", strerror(errno));
    return 1;
  }
  fputs("hello\nworld\n", f);
  fclose(f);
  printf("written:\n");
  print_file("work/a.txt");

  f = fopen("work/a.txt", "a");
  fprintf(f, "appended %d\n", 42);
  fclose(f);
  printf("appended:\n");
  print_file("work/a.txt");

  f = fopen("work/a.txt", "r+");
  fseek(f, 6, SEEK_SET);
  fputs("WORLD", f);
  fseek(f, 0, SEEK_END);
  printf("ftell at end: %ld\n", ftell(f));
  fseek(f, -3, SEEK_END);
  char tail[8] = {0};
  fread(tail, 1, 2, f);
  printf("last bytes: %s\n", tail);
  fclose(f);
  printf("patched:\n");
  print_file("work/a.txt");

  struct stat st;
  stat("work/a.txt", &st);
  printf("stat a.txt: size=%lld reg=%d dir=%d\n", (long long)st.st_size,
         S_ISREG(st.st_mode), S_ISDIR(st.st_mode));
  stat("work", &st);
  printf("stat work: reg=%d dir=%d\n", S_ISREG(st.st_mode), S_ISDIR(st.st_mode));

  int fd = open("work/b.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
  write(fd, "0123456789", 10);
  char buf[16] = {0};
  lseek(fd, 2, SEEK_SET);
  read(fd, buf, 3);
  printf("read at 2: %s\n", buf);
  memset(buf, 0, sizeof buf);
  pread(fd, buf, 4, 6);
  printf("pread at 6: %s, offset still %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
  pwrite(fd, "AB", 2, 0);
  fstat(fd, &st);
  printf("fstat size: %lld\n", (long long)st.st_size);
  ftruncate(fd, 4);
  fstat(fd, &st);
  lseek(fd, 0, SEEK_SET);
  memset(buf, 0, sizeof buf);
  int n = read(fd, buf, sizeof buf - 1);
  printf("after ftruncate: size=%lld read=%d %s\n", (long long)st.st_size, n, buf);
  close(fd);

  mkdir("work/sub", 0755);
  list_dir("work");

  if (rename("work/a.txt", "work/c.txt") != 0)
    printf("rename: %s\n", strerror(errno));
  errno = 0;
  int r = access("work/a.txt", F_OK);
  printf("a.txt after rename: %d %s\n", r, strerror(errno));
  print_file("work/c.txt");
  list_dir("work");

  printf("unlink c.txt: %d\n", unlink("work/c.txt"));
  printf("unlink b.bin: %d\n", unlink("work/b.bin"));
  printf("rmdir sub: %d\n", rmdir("work/sub"));
  list_dir("work");
  printf("rmdir work: %d\n", rmdir("work"));
  errno = 0;
  r = stat("work", &st);
  printf("stat work: %d %s\n", r, strerror(errno));
  return 0;
}
