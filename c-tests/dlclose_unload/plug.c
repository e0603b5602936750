#include <stdio.h>
static int loads;
int counter;
__attribute__((constructor)) static void init(void) { loads++; printf("plug constructed (counter %d)\n", counter); }
int bump(void) { return ++counter; }
