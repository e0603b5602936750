// The program is granted only root/ of its build directory, as its /:
// paths and symlinks that lead elsewhere fail with an errno, and the
// program carries on. The symlinks all lead to the test's own secret.txt,
// next to root/.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_open(const char *path, const char *mode) {
  errno = 0;
  FILE *f = fopen(path, mode);
  if (!f) {
    printf("fopen %s \"%s\": %s\n", path, mode, strerror(errno));
    return;
  }
  char line[128] = "";
  if (*mode == 'r' && !fgets(line, sizeof line, f))
    strcpy(line, "(empty)\n");
  printf("fopen %s \"%s\": opened %s", path, mode, *mode == 'r' ? line : "\n");
  fclose(f);
}

int main(void) {
  try_open("inside.txt", "r");
  try_open("../inside.txt", "r");     // `..` stops at the granted root
  try_open("../x", "r");
  try_open("sub/../../../x", "r");
  try_open("/etc/passwd", "r");       // not granted: nothing there
  try_open("abs_link", "r");          // -> /abs/path/to/secret.txt
  try_open("up_link", "r");           // -> ../secret.txt
  try_open("parent_link/secret.txt", "r"); // -> ..
  try_open("sub/escape", "r");        // -> ../../secret.txt
  try_open("up_link", "w");
  try_open("up_link", "a");
  try_open("sub/inner_link", "r");    // -> ../inside.txt: stays inside

  errno = 0;
  DIR *d = opendir("parent_link");
  printf("opendir parent_link: %s\n", d ? "opened" : strerror(errno));
  if (d)
    closedir(d);

  struct stat st;
  errno = 0;
  printf("stat up_link: %s\n", stat("up_link", &st) == 0 ? "ok" : strerror(errno));
  int r = lstat("up_link", &st);
  printf("lstat up_link: %s, symlink=%d\n", r == 0 ? "ok" : strerror(errno),
         r == 0 && S_ISLNK(st.st_mode));

  char buf[256];
  ssize_t n = readlink("parent_link", buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  printf("readlink parent_link: %s\n", n < 0 ? strerror(errno) : buf);
  errno = 0;
  n = readlink("abs_link", buf, sizeof buf - 1);
  printf("readlink abs_link: %s\n", n < 0 ? strerror(errno) : "read");

  errno = 0;
  printf("symlink to /etc/passwd: %s\n",
         symlink("/etc/passwd", "new_abs") == 0 ? "made" : strerror(errno));
  errno = 0;
  printf("symlink to ../outside: %s\n",
         symlink("../outside", "new_up") == 0 ? "made" : strerror(errno));
  errno = 0;
  printf("rename inside.txt through parent_link: %s\n",
         rename("inside.txt", "parent_link/moved.txt") == 0 ? "renamed"
                                                           : strerror(errno));
  errno = 0;
  printf("mkdir through parent_link: %s\n",
         mkdir("parent_link/newdir", 0755) == 0 ? "made" : strerror(errno));
  errno = 0;
  printf("unlink through parent_link: %s\n",
         unlink("parent_link/secret.txt") == 0 ? "removed" : strerror(errno));
  printf("still running\n");
  return 0;
}
