#include <stddef.h>
char pad = 1;
unsigned char big2[2 * 1024 * 1024 + 5] __attribute__((aligned(8192)));
size_t big2_size(void) { return sizeof big2; }
