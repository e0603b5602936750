#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void side_show(int argc, char **argv);
int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  const char *slash = strrchr(argv[0], '/');
  printf("argv[0] ends with main.wasm or main.js: %d\n", strstr(argv[0], "main") != NULL);
  side_show(argc, argv);
  setenv("DLRUN_TEST_VAR", "changed", 1);
  printf("after setenv=%s\n", getenv("DLRUN_TEST_VAR"));
  (void)slash;
  return argc;
}
