// A library the main module did not see at link time, calling libc
// functions a -sMAIN_MODULE=2 main does not export (it uses neither).
#include <stdio.h>
#include <string.h>

int greet(const char *who) {
  puts("hello from the library");
  puts(who);
  puts("two\nlines");
  return (int)strlen(who);
}
