// A FIFO in a granted directory: O_NONBLOCK opens and reads behave as
// POSIX says, and a blocking open or read with nobody on the other end
// waits only until --timeout ends the program (status 124).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void say(const char *what, long r) {
  if (r < 0)
    printf("%s: %s\n", what, errno == ENXIO ? "ENXIO" : errno == EAGAIN ? "EAGAIN" : strerror(errno));
  else
    printf("%s: %ld\n", what, r);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *fifo = "/data/fifo";
  char buf[16];
  int r = open(fifo, O_RDONLY | O_NONBLOCK);
  say("open for reading, O_NONBLOCK", r < 0 ? -1 : 0);
  say("read with no writer", read(r, buf, sizeof buf));
  int w = open(fifo, O_WRONLY | O_NONBLOCK);
  say("open for writing with a reader", w < 0 ? -1 : 0);
  say("write", write(w, "hello", 5));
  long n = read(r, buf, sizeof buf);
  say("read", n);
  if (n > 0) printf("got: %.*s\n", (int)n, buf);
  say("read with a writer and nothing written", read(r, buf, sizeof buf));
  close(w);
  close(r);
  say("open for writing, O_NONBLOCK, no reader", open(fifo, O_WRONLY | O_NONBLOCK));
  const char *wait = argc > 1 ? argv[1] : "open-read";
  printf("waiting: %s\n", wait);
  fflush(stdout);
  if (strcmp(wait, "open-read") == 0) {
    open(fifo, O_RDONLY);
  } else if (strcmp(wait, "open-write") == 0) {
    open(fifo, O_WRONLY);
  } else {
    // Its own writer, so a read waits for data rather than seeing the end.
    r = open(fifo, O_RDWR);
    read(r, buf, sizeof buf);
  }
  printf("ran on past the deadline\n");
  return 0;
}
