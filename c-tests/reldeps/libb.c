// Not linked against liba.so: a_value binds through the global scope.
int a_value(void);
int b_value(void) { return a_value() + 1; }
