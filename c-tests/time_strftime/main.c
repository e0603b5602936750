#include <stdio.h>
#include <time.h>

void fmt_time(time_t t, void (*emit)(const char *));
void fmt_norm(int year, int mon, int mday, int hour, int min, int sec, int isdst,
              void (*emit)(const char *));
void fmt_small(void (*emit)(const char *));
void fmt_misc(void (*emit)(const char *));
void fmt_parse(void (*emit)(const char *));

static void emit(const char *line) { puts(line); }

int main(void) {
  static const long stamps[] = {
    0, 951782400, 1700000000, -1, -86400 * 365, -2147483647 - 1, 2147483647,
    915148800, 915235200, 883526400, 1104537600, 1230768000, 1672531200, 1673136000,
    1072915200, 1135987200, 1293753600, 1609372800, 946684799, 1704067200,
  };
  for (unsigned i = 0; i < sizeof stamps / sizeof stamps[0]; i++) {
    printf("== %ld\n", stamps[i]);
    fmt_time((time_t)stamps[i], emit);
  }
  fmt_norm(124, 1, 30, 25, 61, 61, -1, emit);  /* Feb 30 2024 25:61:61 */
  fmt_norm(100, 12, 1, 0, 0, 0, 0, emit);      /* month 12 carries into the year */
  fmt_norm(70, 0, 0, 0, 0, -1, 0, emit);       /* day 0 */
  fmt_norm(69, 11, 31, 23, 59, 59, 1, emit);
  fmt_norm(123, -14, 400, -5, 0, 0, -1, emit);
  fmt_norm(1, 0, 1, 0, 0, 0, 0, emit);         /* 1901 */
  fmt_norm(-1850, 0, 1, 0, 0, 0, 0, emit);     /* year 50: before a 32-bit time_t */
  fmt_norm(200, 0, 1, 0, 0, 0, 0, emit);       /* 2100: past a 32-bit time_t */
  fmt_small(emit);
  fmt_parse(emit);
  fmt_misc(emit);
  return 0;
}
