// The compiled-module cache lies inside the directory granted to the
// program. dlrun trusts what it deserializes from there as machine code,
// so the program must not be able to read its key, write or replace an
// entry, reach it through links, or move it aside: every way fails.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *name(int e) {
  switch (e) {
  case 0: return "ok";
  case EACCES: return "EACCES";
  case EBUSY: return "EBUSY";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EEXIST: return "EEXIST";
  case ENOTEMPTY: return "ENOTEMPTY";
  default: return strerror(e);
  }
}

static void report(const char *what, int r) {
  printf("%s: %s\n", what, name(r < 0 ? errno : 0));
}

static int open_close(const char *path, int flags) {
  int fd = open(path, flags, 0644);
  if (fd >= 0) close(fd);
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  const char *grant = argv[1], *cache = argv[2];
  char dir[256], key[256], entry[256], p[256];
  snprintf(dir, sizeof dir, "%s/%s", grant, cache);
  snprintf(key, sizeof key, "%s/key", dir);
  snprintf(entry, sizeof entry, "%s/planted.cwasm", dir);
  if (chdir(grant) != 0) return 3;

  DIR *d = opendir(dir);
  report("list the cache", d ? 0 : -1);
  if (d) closedir(d);
  report("read the key", open_close(key, O_RDONLY));
  struct stat st;
  report("stat the key", stat(key, &st));
  report("plant an entry", open_close(entry, O_WRONLY | O_CREAT));
  snprintf(p, sizeof p, "%s/sub", dir);
  report("mkdir inside", mkdir(p, 0755));

  report("symlink to the cache", symlink(cache, "c"));
  report("list it through the link", (d = opendir("c")) ? 0 : -1);
  if (d) closedir(d);
  report("read the key through it", open_close("c/key", O_RDONLY));
  report("plant through it", open_close("c/x.cwasm", O_WRONLY | O_CREAT));

  snprintf(p, sizeof p, "%s/key", cache);
  report("symlink to the key", symlink(p, "k"));
  report("open the key link", open_close("k", O_RDONLY));
  report("overwrite through it", open_close("k", O_WRONLY | O_TRUNC));
  report("truncate through it", truncate("k", 32));
  int g = open(".", O_RDONLY | O_DIRECTORY);
  report("hard link the key", linkat(g, "k", g, "k2", AT_SYMLINK_FOLLOW));
  close(g);
#ifdef __EMSCRIPTEN__
  report("chmod the key", chmod("k", 0644));
#endif

  report("rename the cache", rename(cache, "moved"));
  report("remove the cache", rmdir(cache));
  char top[256];
  snprintf(top, sizeof top, "%s", cache);
  char *slash = strchr(top, '/');
  if (slash) {
    *slash = 0;
    report("rename its parent", rename(top, "moved"));
  }

  report("unlink the links", unlink("c") | unlink("k"));
  report("an ordinary file", open_close("ok.txt", O_WRONLY | O_CREAT));
  report("removed", unlink("ok.txt"));
  return 0;
}
