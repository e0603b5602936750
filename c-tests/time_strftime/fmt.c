/* Formats fixed timestamps and broken-down times; main prints the results.
 * Never looks at the current time except to check clocks agree. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

static const char *const SPECS[] = {
  "%Y-%m-%d %H:%M:%S", "%a %A %b %B %h", "%j %U %W %u %w", "%y %C %e %p %I",
  "%Z %z", "%c", "%x %X", "%D %F %T %R %r", "%G %g %V", "[%n][%t][%%]",
  "%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy",
  "%%c %%Y %Q %", "plain text",
  /* glibc's flags, widths and extensions */
  "%-d|%_H|%05Y|%^a|%#b|%#Z|%P|%k|%l|%10A|%-10A|%_5m|%s|%+|%5z|%E|%Oq|%-%",
};
#define NSPECS (sizeof SPECS / sizeof SPECS[0])

static void show_tm(char *out, size_t n, const char *what, const struct tm *tm) {
  snprintf(out, n, "%s: sec=%d min=%d hour=%d mday=%d mon=%d year=%d wday=%d yday=%d isdst=%d gmtoff=%ld zone=%s",
           what, tm->tm_sec, tm->tm_min, tm->tm_hour, tm->tm_mday, tm->tm_mon, tm->tm_year,
           tm->tm_wday, tm->tm_yday, tm->tm_isdst, tm->tm_gmtoff,
           tm->tm_zone ? tm->tm_zone : "(null)");
}

/* Calls emit(line) for each line describing timestamp t. */
void fmt_time(time_t t, void (*emit)(const char *)) {
  char buf[256], line[400];
  struct tm g, l;
  gmtime_r(&t, &g);
  localtime_r(&t, &l);
  show_tm(line, sizeof line, "gmtime", &g);
  emit(line);
  show_tm(line, sizeof line, "localtime", &l);
  emit(line);
  for (size_t i = 0; i < NSPECS; i++) {
    size_t r = strftime(buf, sizeof buf, SPECS[i], &g);
    snprintf(line, sizeof line, "  gm %-22s -> %zu [%s]", SPECS[i], r, buf);
    emit(line);
    r = strftime(buf, sizeof buf, SPECS[i], &l);
    snprintf(line, sizeof line, "  lo %-22s -> %zu [%s]", SPECS[i], r, buf);
    emit(line);
  }
  struct tm m = l;
  time_t back = mktime(&m);
  snprintf(line, sizeof line, "  mktime(localtime) = %ld", (long)back);
  emit(line);
  m = g;
  back = timegm(&m);
  snprintf(line, sizeof line, "  timegm(gmtime) = %ld", (long)back);
  emit(line);
}

/* mktime and timegm normalising out-of-range fields. */
void fmt_norm(int year, int mon, int mday, int hour, int min, int sec, int isdst,
              void (*emit)(const char *)) {
  char line[400], buf[128];
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = year; tm.tm_mon = mon; tm.tm_mday = mday;
  tm.tm_hour = hour; tm.tm_min = min; tm.tm_sec = sec; tm.tm_isdst = isdst;
  struct tm a = tm, b = tm;
  time_t ta = mktime(&a);
  time_t tb = timegm(&b);
  snprintf(line, sizeof line, "norm %d-%d-%d %d:%d:%d isdst=%d: mktime=%ld timegm=%ld",
           year, mon, mday, hour, min, sec, isdst, (long)ta, (long)tb);
  emit(line);
  show_tm(line, sizeof line, "  mktime", &a);
  emit(line);
  show_tm(line, sizeof line, "  timegm", &b);
  emit(line);
  strftime(buf, sizeof buf, "%F %T %j %U %W %V %G", &a);
  snprintf(line, sizeof line, "  mktime'd: %s", buf);
  emit(line);
}

/* strftime into small buffers: 0 when the result and its NUL do not fit. */
void fmt_small(void (*emit)(const char *)) {
  char buf[16], line[200];
  time_t t = 1700000000;
  struct tm g;
  gmtime_r(&t, &g);
  for (size_t n = 9; n <= 12; n++) {
    memset(buf, 'x', sizeof buf);
    buf[sizeof buf - 1] = 0;
    size_t r = strftime(buf, n, "%Y-%m-%d", &g);
    snprintf(line, sizeof line, "small n=%zu -> %zu [%s]", n, r, r ? buf : "-");
    emit(line);
  }
  /* Fields a caller filled in by hand, out of the usual ranges. */
  struct tm h;
  memset(&h, 0, sizeof h);
  h.tm_year = 124; h.tm_mon = 11; h.tm_mday = 31; h.tm_hour = 23; h.tm_yday = 365; h.tm_wday = 2;
  h.tm_gmtoff = 19800; /* +05:30 */
  h.tm_zone = "IST";
  char out[200];
  strftime(out, sizeof out, "%F %T %j %U %W %V %G %g %z %Z %u %I %p", &h);
  snprintf(line, sizeof line, "hand: %s", out);
  emit(line);
  h.tm_gmtoff = -12600; /* -03:30 */
  h.tm_hour = 0; h.tm_mday = 1; h.tm_mon = 0; h.tm_yday = 0; h.tm_wday = 3;
  strftime(out, sizeof out, "%F %T %j %U %W %V %G %g %z %u %I %p", &h);
  snprintf(line, sizeof line, "hand: %s", out);
  emit(line);
  h.tm_year = -1850; /* year 50 */
  h.tm_gmtoff = 0;
  strftime(out, sizeof out, "%Y %y %C %j %U %W %V %G", &h);
  snprintf(line, sizeof line, "hand: %s", out);
  emit(line);
}

/* tzset's globals, difftime, and that the clocks agree (never printed). */
void fmt_misc(void (*emit)(const char *)) {
  char line[200];
  tzset();
  snprintf(line, sizeof line, "tzset: timezone=%ld daylight=%d tzname=[%s] [%s]",
           timezone, daylight, tzname[0], tzname[1]);
  emit(line);
  snprintf(line, sizeof line, "difftime=%.1f", difftime(1700000000, 951782400));
  emit(line);
  time_t now = time(NULL);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  long d1 = (long)(ts.tv_sec - now), d2 = (long)(tv.tv_sec - now);
  snprintf(line, sizeof line, "clocks agree: %d %d %d", now > 1600000000,
           d1 >= 0 && d1 <= 2, d2 >= 0 && d2 <= 2);
  emit(line);
  struct tm l;
  localtime_r(&now, &l);
  time_t again = mktime(&l);
  snprintf(line, sizeof line, "mktime(localtime(now)) == now: %d", again == now);
  emit(line);
}

/* strptime as glibc parses in the C locale. */
void fmt_parse(void (*emit)(const char *)) {
  static const char *const cases[][2] = {
    {"2023-11-14 22:13:20 rest", "%Y-%m-%d %H:%M:%S"},
    {"Tue, 29 feb 2000 01:02:03 PM", "%a, %d %b %Y %r"},
    {"12/31/99", "%D"}, {"1/2/2003", "%x"}, {"Thu Jan 01 00:00:00 1970", "%c"},
    {"June 5, 2021", "%B %d, %Y"}, {"15:30:45", "%T"}, {"20 23", "%C %y"}, {"68", "%y"},
    {"2023 045", "%Y %j"}, {"2023-01-01 12:00 PM", "%Y-%m-%d %I:%M %p"}, {"0050", "%Y"},
    {"2023 10 Mon", "%Y %W %a"}, {"wednesday 2024 05", "%A %Y %U"},
    {"3/4", "%d/%d"}, {"[1]", "[%d]"}, {"2024-02-30", "%F"}, {"2023-13-01", "%F"}, {"x2023", "%Y"},
    {"1700000000", "%s"}, {"+05:30 x", "%z %Z"}, {"-0330", "%z"}, {" 5 MONDAY", "%e %A"},
    {"pm 3", "%p %I"}, {"2024-060", "%Y-%j"}, {"2024 9 3", "%Y %U %w"}, {"19 7", "%C %y"},
    {"Thu Jan  1 00:00:00 1970", "%c"}, {"12:34:56 AM", "%r"}, {"2024", "%G"}, {"%", "%%"},
    {"1", "%Ey"}, {"1", "%Ez"}, {"Tuesday", "%a"}, {"Tues", "%a"}, {"Sept", "%b"},
  };
  char line[300];
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 123; tm.tm_mon = 5; tm.tm_mday = 15; tm.tm_hour = 7; tm.tm_min = 8; tm.tm_sec = 9;
    char *end = strptime(cases[i][0], cases[i][1], &tm);
    snprintf(line, sizeof line, "strptime [%s] [%s] -> %ld: %d-%d-%d %d:%d:%d wday=%d yday=%d isdst=%d gmtoff=%ld",
             cases[i][0], cases[i][1], end ? (long)(end - cases[i][0]) : -1L, tm.tm_year, tm.tm_mon,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday, tm.tm_isdst,
             (long)tm.tm_gmtoff);
    emit(line);
  }
}
