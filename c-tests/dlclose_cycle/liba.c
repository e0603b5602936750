int b_value(void);
int a_value(void) { return 1; }
int a_calls_b(void) { return b_value() + 10; }
