#include <stdio.h>
#include <stdarg.h>
#include <stdint.h>

/* Functions main implements. */
int main_vlog(const char *fmt, va_list ap);
long long main_sum(int n, ...);
double main_avg(int n, ...);

/* Variadic functions called from main. */
int side_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = printf("[side] ");
  n += vprintf(fmt, ap);
  va_end(ap);
  return n;
}

int side_vlog(const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  char buf[128];
  int n = vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  printf("[side vlog %d] %s", n, buf);
  return n;
}

long long side_mixed(int n, ...) {
  va_list ap;
  va_start(ap, n);
  long long acc = 0;
  for (int i = 0; i < n; i++) {
    switch (i % 4) {
      case 0: acc += va_arg(ap, int); break;
      case 1: acc += va_arg(ap, long long); break;
      case 2: acc += (long long)(va_arg(ap, double) * 10); break;
      case 3: acc += *va_arg(ap, int *); break;
    }
  }
  va_end(ap);
  return acc;
}

/* Forward a variadic call from the side module into main's va_list function. */
int side_forward(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = main_vlog(fmt, ap);
  va_end(ap);
  return n;
}

void side_call_main(void) {
  printf("main_sum from side: %lld\n", main_sum(5, 1LL, 2LL, 3LL, 4LL, 5000000000LL));
  printf("main_avg from side: %.3f\n", main_avg(3, 1.5, 2.5, 4.0));
  int (*fp)(const char *, ...) = printf;
  fp("printf via pointer in side: %d %s %c %.2f %lld\n", 42, "str", 'c', 3.14159, -123456789012LL);
}
