/* A TZ naming no zone database entry: glibc reads it as a POSIX TZ string
 * as far as it goes, so "Mars/Olympus_Mons" is UTC under the name "Mars"
 * (and no daylight-time name); dlrun does the same, and says on stderr
 * that the zone is unknown. */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

int main(void) {
  tzset();
  printf("timezone=%ld daylight=%d tzname=[%s] [%s]\n", (long)timezone, daylight, tzname[0],
         tzname[1]);
  time_t t = 1700000000;
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%F %T %z %Z", &tm);
  printf("%s isdst=%d gmtoff=%ld zone=%s\n", buf, tm.tm_isdst, (long)tm.tm_gmtoff, tm.tm_zone);
  return 0;
}
