#include <stddef.h>

#define BIG (1024 * 1024)
unsigned char big[BIG] __attribute__((aligned(4096)));
static unsigned char small_before[3] = {1, 2, 3};
static int also_zero[100];

unsigned char *big_ptr(void) { return big; }
size_t big_size(void) { return sizeof big; }
int small_sum(void) { return small_before[0] + small_before[1] + small_before[2]; }
int *zero_ptr(void) { return also_zero; }
