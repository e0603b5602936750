/* Local time for wasi-libc programs. wasi-libc builds musl's time code
 * without zones: its __tz.c answers every question with UTC. This file
 * replaces __tz.c (and mktime.c, whose search glibc does differently), so
 * that localtime, localtime_r, ctime, mktime, tzset and strftime's %z and
 * %Z see the zone of the program's TZ, computed by dlrun as glibc computes
 * it, through the host imports of module "dlrun":
 *
 *   void tz_globals(int out[4])         tzname[0], tzname[1] (name indices),
 *                                       timezone, daylight
 *   void tz_local(long long t, int out[7])  isdst, gmtoff, zone name index,
 *                                       then the globals as above
 *   long long tz_mktime(struct tm *tm, int out[6])  overflow flag, zone name
 *                                       index, then the globals; on success
 *                                       the fields of *tm are normalised
 *   int tz_name(int index, char *buf, int len)  copies up to len bytes of a
 *                                       name (no NUL); its length, or -1
 *
 * glibc's localtime and mktime also update tzname, timezone and daylight;
 * every call brings them back. toolchain/dlcc links a copy of libc.a
 * without __tz.o and mktime.o, since musl's internal functions defined here
 * would otherwise be defined twice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IMPORT(name) __attribute__((import_module("dlrun"), import_name(name)))

IMPORT("tz_globals") void __dlrun_tz_globals(int *out);
IMPORT("tz_local") void __dlrun_tz_local(long long t, int *out);
IMPORT("tz_mktime") long long __dlrun_tz_mktime(struct tm *tm, int *out);
IMPORT("tz_name") int __dlrun_tz_name(int index, char *buf, int len);

char *tzname[2] = {"UTC", "UTC"};
long timezone;
int daylight;

/* How musl's gmtime_r and timegm name UTC; glibc calls it GMT there. */
const char __utc[] = "GMT";

/* Zone names by index, each fetched once and kept for good (tm_zone and
 * tzname point at them), as glibc keeps its own. */
static char **names;
static int names_len;

static char *name(int index) {
  if (index < 0)
    return "";
  if (index >= names_len) {
    int len = index + 8;
    char **grown = realloc(names, len * sizeof *grown);
    if (!grown)
      return "";
    memset(grown + names_len, 0, (len - names_len) * sizeof *grown);
    names = grown;
    names_len = len;
  }
  if (!names[index]) {
    int len = __dlrun_tz_name(index, 0, 0);
    char *s = len < 0 ? 0 : malloc((size_t)len + 1);
    if (!s)
      return "";
    __dlrun_tz_name(index, s, len);
    s[len] = 0;
    names[index] = s;
  }
  return names[index];
}

static void set_globals(const int *g) {
  tzname[0] = name(g[0]);
  tzname[1] = name(g[1]);
  timezone = g[2];
  daylight = g[3];
}

void tzset(void) {
  int g[4];
  __dlrun_tz_globals(g);
  set_globals(g);
}

/* musl's hook for the zone at time t, which localtime_r calls (and
 * mktime, with local set, but this file replaces mktime). */
void __secs_to_zone(long long t, int local, int *isdst, int *offset, long *oppoff,
                    const char **zonename) {
  (void)local;
  int r[7];
  __dlrun_tz_local(t, r);
  *isdst = r[0];
  *offset = r[1];
  if (oppoff)
    *oppoff = r[1];
  *zonename = name(r[2]);
  set_globals(r + 3);
}

/* The name strftime's %Z prints: tm_zone, or as glibc does for a struct
 * tm without one, tzname[tm_isdst]. */
const char *__tm_to_tzname(const struct tm *tm) {
  const char *zone = tm->tm_zone;
  if (zone && *zone)
    return zone;
  if (tm->tm_isdst < 0)
    return "";
  tzset();
  return tm->tm_isdst <= 1 ? tzname[tm->tm_isdst] : "?";
}

time_t mktime(struct tm *tm) {
  int r[6];
  long long t = __dlrun_tz_mktime(tm, r);
  set_globals(r + 2);
  if (r[0]) {
    errno = EOVERFLOW;
    return -1;
  }
  tm->tm_zone = name(r[1]);
  return t;
}
