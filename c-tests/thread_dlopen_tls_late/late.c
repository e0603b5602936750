// Thread-locals of a library dlopened while a thread is already running: that
// thread gets its own initialized copy when it first uses them.
int late_global = 40;
_Thread_local int late_tls = 5;
_Thread_local int *late_ptr = &late_global;
_Thread_local char late_tag[6] = "fresh";

int late_bump(int by) { return late_tls += by; }
int late_ptr_ok(void) { return late_ptr == &late_global && *late_ptr == 40; }
const char *late_get_tag(void) { return late_tag; }
void late_set_tag(char c) { late_tag[0] = c; }
