int dyn_f(int x) { return x * 10; }
