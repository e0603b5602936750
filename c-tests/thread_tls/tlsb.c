// dlopened by main before any thread starts: its thread-locals must be
// there, initialized, in every thread created afterwards.
int b_global = 9;
_Thread_local int b_tls = 33;
_Thread_local long long b_big = 0x100000000LL + 44;
_Thread_local int *b_ptr = &b_global;
_Thread_local int b_zero;

int b_get(void) { return b_tls; }
void b_add(int v) { b_tls += v; b_big += v; b_zero += 1; }
long long b_get_big(void) { return b_big; }
int b_get_zero(void) { return b_zero; }
int *b_tls_addr(void) { return &b_tls; }
int b_ptr_ok(void) { return b_ptr == &b_global && *b_ptr == 9; }
