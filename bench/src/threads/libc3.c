int b_value(int);
int c_value(int x) { return b_value(x) * 2; }
