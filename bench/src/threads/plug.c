// A library the stress test's threads open, call and close concurrently.
static int calls;
int plug_call(int x) { return x + (++calls, PLUG); }
int plug_data = PLUG;
