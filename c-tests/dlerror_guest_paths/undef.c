int no_such_function_anywhere(void);
int undef(void) { return no_such_function_anywhere(); }
