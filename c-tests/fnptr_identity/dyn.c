int main_double(int x);
int side_fn(int x);
typedef int (*fn_t)(int);
fn_t dyn_addr_of_main_double(void) { return main_double; }
fn_t dyn_addr_of_side_fn(void) { return side_fn; }
int dyn_call(fn_t f, int v) { return f(v); }
