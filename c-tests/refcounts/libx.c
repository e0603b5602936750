static int counter;
int x_inc(void) { return ++counter; }
int x_get(void) { return counter; }
