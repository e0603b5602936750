struct point { int x, y; const char *name; };

int lib_int = 42;
int lib_array[5] = {1, 2, 3, 4, 5};
struct point lib_point = {10, 20, "origin"};
const char lib_msg[] = "hello from libdata";

int get_int(void) { return lib_int; }
int sum_array(void) {
  int s = 0;
  for (int i = 0; i < 5; i++) s += lib_array[i];
  return s;
}
int point_sum(void) { return lib_point.x + lib_point.y; }
const char *point_name(void) { return lib_point.name; }
int mul(int a, int b) { return a * b; }
double scale(double v) { return v * 2.5; }
