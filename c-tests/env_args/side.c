#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void side_show(int argc, char **argv) {
  for (int i = 1; i < argc; i++) printf("side argv[%d]=%s\n", i, argv[i]);
  const char *v = getenv("DLRUN_TEST_VAR");
  printf("side getenv=%s\n", v ? v : "(null)");
  printf("side missing=%s\n", getenv("DLRUN_NOT_SET") ? "set" : "(null)");
}
