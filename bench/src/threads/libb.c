int a_value(int);
int b_value(int x) { return a_value(x) + 2; }
