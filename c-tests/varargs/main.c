#include <stdio.h>
#include <stdarg.h>
#include <dlfcn.h>

int side_log(const char *fmt, ...);
int side_vlog(const char *fmt, va_list ap);
long long side_mixed(int n, ...);
int side_forward(const char *fmt, ...);
void side_call_main(void);

int main_vlog(const char *fmt, va_list ap) {
  int n = printf("[main] ");
  return n + vprintf(fmt, ap);
}

long long main_sum(int n, ...) {
  va_list ap;
  va_start(ap, n);
  long long s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, long long);
  va_end(ap);
  return s;
}

double main_avg(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, double);
  va_end(ap);
  return s / n;
}

/* main's variadic wrapper forwarding its va_list into the side module. */
static int main_forward(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = side_vlog(fmt, ap);
  va_end(ap);
  return n;
}

int main(void) {
  int n = side_log("%d + %d = %d, %s\n", 2, 3, 5, "ok");
  printf("side_log returned %d\n", n);
  n = main_forward("%s|%5d|%-4s|%x|%.1f\n", "fw", 42, "ab", 255, 2.25);
  printf("side_vlog returned %d\n", n);
  int seven = 7;
  printf("side_mixed: %lld\n", side_mixed(8, 1, 10000000000LL, 0.5, &seven, 2, 3LL, 1.25, &seven));
  n = side_forward("%lld %u %c %g\n", 9000000000LL, 4000000000u, 'Z', 1e-3);
  printf("side_forward returned %d\n", n);
  side_call_main();

  void *h = dlopen("libva2.so", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  int (*fmt)(char *, int, const char *, ...) = (int (*)(char *, int, const char *, ...))dlsym(h, "va2_format");
  char buf[64];
  int len = fmt(buf, sizeof buf, "%s-%d-%lld-%.2f", "dl", -1, 1LL << 40, 0.125);
  printf("va2_format: %d %s\n", len, buf);
  return 0;
}
