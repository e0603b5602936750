/* Local time in a zone with DST (the test runs with TZ=EST5EDT, an entry
 * of the zone database): transitions, mktime's reading of skipped and
 * repeated local times, and the tm_isdst hint, as glibc reads them. */
#include <stdio.h>
#include <string.h>
#include <time.h>

static void show(const char *what, time_t t, const struct tm *tm) {
  char buf[128];
  strftime(buf, sizeof buf, "%F %T %z %j %U %W %V %G %u %I%p", tm);
  printf("%-22s %11ld: %s isdst=%d gmtoff=%ld wday=%d yday=%d\n", what, (long)t, buf,
         tm->tm_isdst, tm->tm_gmtoff, tm->tm_wday, tm->tm_yday);
}

static void local(time_t t) {
  struct tm tm;
  localtime_r(&t, &tm);
  show("localtime", t, &tm);
}

static void make(int year, int mon, int mday, int hour, int min, int isdst) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = year - 1900; tm.tm_mon = mon - 1; tm.tm_mday = mday;
  tm.tm_hour = hour; tm.tm_min = min; tm.tm_isdst = isdst;
  char what[40];
  snprintf(what, sizeof what, "mktime %02d:%02d dst=%d", hour, min, isdst);
  time_t t = mktime(&tm);
  show(what, t, &tm);
}

int main(void) {
  tzset();
  printf("timezone=%ld daylight=%d\n", timezone, daylight);
  static const long stamps[] = {
    0, 1672531200, 1688212800, 1700000000,
    1678604399, 1678604400, 1678606200,               /* DST starts 2023-03-12 07:00Z */
    1699163999, 1699164000, 1699165800, 1699167600,   /* DST ends 2023-11-05 06:00Z */
    1688185800,                                       /* 00:30 EDT, just after midnight */
    2147483647,
  };
  for (unsigned i = 0; i < sizeof stamps / sizeof stamps[0]; i++) local(stamps[i]);
  for (int dst = -1; dst <= 1; dst++) {
    make(2023, 3, 12, 1, 30, dst);
    make(2023, 3, 12, 2, 30, dst);  /* does not exist */
    make(2023, 3, 12, 3, 30, dst);
    make(2023, 11, 5, 0, 30, dst);
    make(2023, 11, 5, 1, 30, dst);  /* happens twice */
    make(2023, 11, 5, 2, 30, dst);
    make(2023, 7, 4, 12, 0, dst);
    make(2023, 12, 25, 12, 0, dst);
  }
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *end = strptime("2023-07-04 09:15:00", "%Y-%m-%d %H:%M:%S", &tm);
  printf("strptime parsed %d, isdst=%d\n", end != NULL, tm.tm_isdst);
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  show("mktime(strptime)", t, &tm);
  return 0;
}
