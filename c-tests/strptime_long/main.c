/* strptime with formats and inputs of 30,000 characters: each must end with
 * a result (an end pointer or NULL), never a crash. The cases are ones where
 * Emscripten's regex-based strptime and glibc's agree. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 30000

/* A string of `head`, then `n` copies of `unit`, then `tail`, from malloc. */
static char *build(const char *head, const char *unit, size_t n, const char *tail) {
  size_t h = strlen(head), u = strlen(unit), t = strlen(tail);
  char *s = malloc(h + u * n + t + 1);
  if (!s) {
    puts("malloc failed");
    exit(1);
  }
  memcpy(s, head, h);
  for (size_t i = 0; i < n; i++) memcpy(s + h + u * i, unit, u);
  memcpy(s + h + u * n, tail, t + 1);
  return s;
}

static void run(const char *what, char *input, char *format) {
  /* 2023-11-14 22:13:20, a Tuesday: consistent fields, which Emscripten's
   * strptime recomputes and glibc's leaves alone, so both print the same.
   * tm_wday and tm_yday are not printed: glibc computes them from a parsed
   * date, wasi-libc's strptime (clang flavours) does not. */
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = 123; tm.tm_mon = 10; tm.tm_mday = 14;
  tm.tm_hour = 22; tm.tm_min = 13; tm.tm_sec = 20;
  tm.tm_wday = 2; tm.tm_yday = 317;
  char *end = strptime(input, format, &tm);
  printf("%s: format %zu chars, input %zu chars -> ", what, strlen(format), strlen(input));
  if (end)
    printf("parsed %ld", (long)(end - input));
  else
    printf("NULL");
  printf(": %d-%d-%d %d:%d:%d\n", tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
         tm.tm_min, tm.tm_sec);
  free(input);
  free(format);
}

int main(void) {
  run("literal run", build("", "a", N, "rest"), build("", "a", N, ""));
  run("literal run, last differs", build("", "a", N, "c"), build("", "a", N, "b"));
  run("input shorter", build("", "a", N - 1, ""), build("", "a", N, ""));
  run("date then literals", build("2024-02-29", "x", N, "!"), build("%Y-%m-%d", "x", N, ""));
  run("literals then time", build("", "-", N, "01:02:03"), build("", "-", N, "%H:%M:%S"));
  run("spaces", build("", " ", N, "5"), build("", " ", N, "%d"));
  run("pairs", build("", "ab", N / 2, ""), build("", "ab", N / 2, ""));
  return 0;
}
