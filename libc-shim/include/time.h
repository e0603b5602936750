/* <time.h> for wasi-libc programs built with toolchain/dlcc: wasi-libc's
 * own, plus what it leaves out because it has no time zones, and
 * libc-shim/time.c provides: tzset, tzname, daylight and timezone. */
#include_next <time.h>

#ifndef DLRUN_SHIM_TIME_H
#define DLRUN_SHIM_TIME_H

#ifdef __cplusplus
extern "C" {
#endif

void tzset(void);
extern char *tzname[2];

#if defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
extern int daylight;
extern long timezone;
#endif

#ifdef __cplusplus
}
#endif

#endif
