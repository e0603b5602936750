/* Local time in the zone the test's flags name (TZ=...), driven by the
 * arguments, so that each zone is a test of its own over the same code:
 *
 *   @T                     localtime_r(T), then mktime of the result, with
 *                          its tm_isdst and with -1 (round trips)
 *   Y-M-DTh:m:s/D          mktime of that local time with tm_isdst D
 *
 * After each call it prints tzname, timezone and daylight, which glibc's
 * localtime and mktime update as they go. The expected output is what the
 * program prints built natively with gcc against glibc; all times fit a
 * 32-bit time_t, so x86-64 and i386 builds print the same. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

static void globals(void) {
  printf("    tzname=[%s] [%s] timezone=%ld daylight=%d\n", tzname[0], tzname[1],
         (long)timezone, daylight);
}

static void show(const char *what, long long t, const struct tm *tm) {
  char buf[128];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z|%a %j %U %W %V", tm);
  printf("%-9s %11lld: %s isdst=%d gmtoff=%ld wday=%d yday=%d zone=%s\n", what, t, buf,
         tm->tm_isdst, (long)tm->tm_gmtoff, tm->tm_wday, tm->tm_yday,
         tm->tm_zone ? tm->tm_zone : "(null)");
}

static void make(const char *what, struct tm tm) {
  time_t t = mktime(&tm);
  show(what, (long long)t, &tm);
  globals();
}

int main(int argc, char **argv) {
  tzset();
  printf("tzset:\n");
  globals();
  for (int i = 1; i < argc; i++) {
    long long t;
    int y, mo, d, h, mi, s, dst;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(argv[i], "@%lld", &t) == 1) {
      time_t tt = (time_t)t;
      if (!localtime_r(&tt, &tm)) {
        printf("localtime %lld: NULL\n", t);
        continue;
      }
      show("localtime", t, &tm);
      globals();
      make("  mktime", tm);
      tm.tm_isdst = -1;
      make("  mk(-1)", tm);
    } else if (sscanf(argv[i], "%d-%d-%dT%d:%d:%d/%d", &y, &mo, &d, &h, &mi, &s, &dst) == 7) {
      tm.tm_year = y - 1900;
      tm.tm_mon = mo - 1;
      tm.tm_mday = d;
      tm.tm_hour = h;
      tm.tm_min = mi;
      tm.tm_sec = s;
      tm.tm_isdst = dst;
      printf("%s\n", argv[i]);
      make("  mktime", tm);
    } else {
      printf("bad argument %s\n", argv[i]);
    }
  }
  return 0;
}
