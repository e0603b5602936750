// A library worth unloading: static data, a constructor, and functions whose
// addresses it takes (so it has table slots of its own).
static char scratch[64 * 1024];
static int ready;
static int twice(int x) { return 2 * x; }
static int thrice(int x) { return 3 * x; }
static int (*ops[])(int) = {twice, thrice};

__attribute__((constructor)) static void init(void) { ready = 1; }

int work(int i) {
  scratch[i % sizeof scratch] = (char)i;
  return ready ? ops[i & 1](i) + scratch[i % sizeof scratch] - (char)i : -1;
}
