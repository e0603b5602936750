extern int main_counter;
int main_square(int x);
void main_log(const char *s);

int plug_run(int v) {
  main_log("plug_run");
  main_counter = v;
  return main_square(v) + 1;
}
