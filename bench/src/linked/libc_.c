/* libc_ (the underscore keeps the name clear of libc.so): it calls libc
 * (malloc, strlen, memcpy), so its imports bind to main's exports. */
#include <stdlib.h>
#include <string.h>

char *c_join(const char *x, const char *y) {
  size_t n = strlen(x), m = strlen(y);
  char *s = malloc(n + m + 2);
  if (!s) return 0;
  memcpy(s, x, n);
  s[n] = '+';
  memcpy(s + n + 1, y, m + 1);
  return s;
}
