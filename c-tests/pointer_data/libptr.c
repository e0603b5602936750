#include <stdio.h>
#include <string.h>

extern int main_counter;          /* data in main */
int main_twice(int);              /* function in main */

const char *const colours[] = {"red", "green", "blue", NULL};
const char *names[3] = {"alpha", "beta", "gamma"};
const char **names_ptr = names;
const char *const *colours_end = &colours[3];

static int local_a = 10, local_b = 20;
int *locals[] = {&local_a, &local_b, &local_a};
int **locals_pp = &locals[1];
char greeting[] = "hello from data";
char *greeting_mid = greeting + 6;

static int own_square(int x) { return x * x; }
int own_neg(int x) { return -x; }

int (*ops[])(int) = {own_square, own_neg, main_twice, NULL};
int (*puts_ptr)(const char *) = puts;
size_t (*strlen_ptr)(const char *) = strlen;
int *main_counter_ptr = &main_counter;

struct entry {
  const char *name;
  int (*fn)(int);
  int *data;
  struct entry *next;
};
extern struct entry table[];
struct entry table[] = {
  {"square", own_square, &local_a, &table[1]},
  {"neg", own_neg, &local_b, &table[2]},
  {"twice", main_twice, &main_counter, NULL},
};
struct entry *table_head = &table[0];

struct nested {
  struct { const char *label; const int *val; } inner[2];
  void *self;
} nested = {{{"first", &local_a}, {"second", &local_b}}, &nested};

void dump(void) {
  for (const char *const *c = colours; c != colours_end; c++) printf("colour %s\n", *c);
  for (int i = 0; i < 3; i++) printf("name %s\n", names_ptr[i]);
  printf("locals %d %d %d pp %d\n", *locals[0], *locals[1], *locals[2], **locals_pp);
  printf("greeting_mid %s\n", greeting_mid);
  for (int i = 0; ops[i]; i++) printf("op%d(7) = %d\n", i, ops[i](7));
  puts_ptr("via puts_ptr");
  printf("strlen_ptr %zu\n", strlen_ptr(greeting));
  printf("main_counter via ptr %d\n", *main_counter_ptr);
  for (struct entry *e = table_head; e; e = e->next) printf("entry %s(%d) = %d\n", e->name, *e->data, e->fn(*e->data));
  printf("nested %s=%d %s=%d self %d\n", nested.inner[0].label, *nested.inner[0].val,
         nested.inner[1].label, *nested.inner[1].val, nested.self == &nested);
}
