// Reads stdin line by line with fgets and echoes each line numbered; a
// line longer than the buffer comes back in pieces.
#include <stdio.h>
#include <string.h>

int main(void) {
  char line[64];
  int n = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t len = strlen(line);
    int nl = len > 0 && line[len - 1] == '\n';
    if (nl)
      line[len - 1] = 0;
    printf("%d: [%s]%s\n", ++n, line, nl ? "" : " (no newline)");
  }
  printf("eof=%d error=%d lines=%d\n", feof(stdin) != 0, ferror(stdin) != 0, n);
  return 0;
}
