/* libb: a table of address-taken functions, so the start-up link gives
 * them table slots and relocates the pointers to them. */
static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
int (*const b_ops[])(int) = {twice, square};

int b_apply(int op, int x) { return b_ops[op](x); }
