// Symlink targets are checked by resolving them, not by counting "..":
// with dot -> ".", the target "dot/.." names the grant's parent, and
// must not be left on the host for other tools to follow.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const char *what, int r) {
  printf("%s: %s\n", what, r == 0 ? "ok" : errno == EPERM ? "EPERM" : strerror(errno));
}

int main(void) {
  say("dot -> .", symlink(".", "/data/dot"));
  say("esc -> dot/..", symlink("dot/..", "/data/esc"));
  say("esc -> dot/dot/../x", symlink("dot/dot/../x", "/data/esc"));
  mkdir("/data/d", 0755);
  say("d/up -> ..", symlink("..", "/data/d/up"));
  say("d/esc -> up/..", symlink("up/..", "/data/d/esc"));
  say("d/ok -> up/d", symlink("up/d", "/data/d/ok"));
  say("d/later -> missing/..", symlink("missing/..", "/data/d/later"));
  struct stat st;
  say("esc left behind", lstat("/data/esc", &st) == 0 ? 0 : -1);
#ifdef __EMSCRIPTEN__
  say("chmod the grant root", chmod("/data", 0755));
#endif
  unlink("/data/dot"); unlink("/data/d/up"); unlink("/data/d/ok"); unlink("/data/d/later");
  rmdir("/data/d");
  return 0;
}
