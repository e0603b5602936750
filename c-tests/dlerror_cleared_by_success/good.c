int good_func(int x) { return x + 1; }
