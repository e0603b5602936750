int good_value = 99;
int good_func(int x) { return x + 1; }
