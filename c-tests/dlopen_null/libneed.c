int need_val = 77;
int need_twice(int x) { return 2 * x; }
