/* A TZ naming a zone database entry dlrun does not have (node does not
 * know this one either): local time is UTC, and dlrun says so on stderr. */
#include <stdio.h>
#include <time.h>

int main(void) {
  tzset();
  printf("timezone=%ld daylight=%d\n", timezone, daylight);
  time_t t = 1700000000;
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%F %T %z", &tm);
  printf("%s isdst=%d gmtoff=%ld\n", buf, tm.tm_isdst, tm.tm_gmtoff);
  return 0;
}
