int other_func(int x) { return x * 3; }
