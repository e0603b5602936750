// NEEDED by main: thread-locals with non-zero initializers, one of them a
// pointer initialized to the address of this module's own data.
int a_global = 7;
int a_array[3] = {70, 71, 72};
_Thread_local int a_tls = 22;
_Thread_local int *a_ptr = &a_global;
_Thread_local int *a_elem = &a_array[2];
_Thread_local char a_name[8] = "tls-a";

int a_get(void) { return a_tls; }
void a_add(int v) { a_tls += v; }
int *a_tls_addr(void) { return &a_tls; }
int a_ptr_ok(void) { return a_ptr == &a_global && a_elem == &a_array[2] && *a_elem == 72; }
