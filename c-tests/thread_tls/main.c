// _Thread_local variables with non-zero initializers in the main module, in
// a NEEDED side module and in one dlopened before the threads start,
// including pointers initialized to side-module addresses. Six threads each
// check their fresh copies, modify them and report; the main thread's copies
// are unchanged afterwards.
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int a_global;
extern _Thread_local int a_tls;
extern _Thread_local int *a_ptr;
extern _Thread_local char a_name[8];
int a_get(void);
void a_add(int v);
int *a_tls_addr(void);
int a_ptr_ok(void);

_Thread_local int main_tls = 11;
_Thread_local char main_name[16] = "main-init";
_Thread_local int *main_to_side = &a_global;  // main's TLS pointing into a side module
_Thread_local int main_zero;

static int (*b_get)(void);
static void (*b_add)(int);
static long long (*b_get_big)(void);
static int (*b_get_zero)(void);
static int *(*b_tls_addr)(void);
static int (*b_ptr_ok)(void);

// One digit per pointer thread-local: 1 when it holds its initializer.
static void ptr_bits(char out[5]) {
  out[0] = '0' + (main_to_side == &a_global);
  out[1] = '0' + (a_ptr == &a_global);
  out[2] = '0' + a_ptr_ok();
  out[3] = '0' + b_ptr_ok();
  out[4] = 0;
}

#define N 6
struct report {
  int init_main, init_a, init_b, init_zero;
  char init_ptrs[5];
  char init_name[16], init_a_name[8];
  long long init_big;
  int after_main, after_a, after_b, after_zero;
  long long after_big;
  char after_name[16];
  int distinct;  // this thread's TLS addresses differ from the main thread's
} rep[N];
static int *main_addrs[3];

static void *run(void *arg) {
  int i = (int)(intptr_t)arg;
  struct report *r = &rep[i];
  r->init_main = main_tls;
  r->init_a = a_get();
  r->init_b = b_get();
  r->init_zero = main_zero + b_get_zero();
  r->init_big = b_get_big();
  ptr_bits(r->init_ptrs);
  strcpy(r->init_name, main_name);
  strcpy(r->init_a_name, a_name);
  r->distinct = (&main_tls != main_addrs[0]) + (a_tls_addr() != main_addrs[1]) +
                (b_tls_addr() != main_addrs[2]) + (a_tls_addr() == &a_tls);

  main_tls += i;
  a_add(10 * i);
  a_tls += 1;
  b_add(100 * i);
  main_zero = i;
  snprintf(main_name, sizeof main_name, "thread-%d", i);
  a_ptr = NULL;  // this thread's copy only
  main_to_side = NULL;

  r->after_main = main_tls;
  r->after_a = a_get();
  r->after_b = b_get();
  r->after_zero = main_zero + b_get_zero();
  r->after_big = b_get_big();
  strcpy(r->after_name, main_name);
  return NULL;
}

int main(void) {
  void *h = dlopen("libtlsb.so", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  b_get = (int (*)(void))dlsym(h, "b_get");
  b_add = (void (*)(int))dlsym(h, "b_add");
  b_get_big = (long long (*)(void))dlsym(h, "b_get_big");
  b_get_zero = (int (*)(void))dlsym(h, "b_get_zero");
  b_tls_addr = (int *(*)(void))dlsym(h, "b_tls_addr");
  b_ptr_ok = (int (*)(void))dlsym(h, "b_ptr_ok");
  if (!b_get || !b_add || !b_get_big || !b_get_zero || !b_tls_addr || !b_ptr_ok) {
    printf("dlsym: %s\n", dlerror());
    return 1;
  }
  main_addrs[0] = &main_tls;
  main_addrs[1] = a_tls_addr();
  main_addrs[2] = b_tls_addr();
  char bits[5];
  ptr_bits(bits);
  printf("main before: main_tls %d a_tls %d b_tls %d big %lld name %s/%s ptrs %s\n",
         main_tls, a_get(), b_get(), b_get_big(), main_name, a_name, bits);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t[N];
  for (int i = 0; i < N; i++)
    if (pthread_create(&t[i], &attr, run, (void *)(intptr_t)i)) { printf("create failed\n"); return 1; }
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);

  for (int i = 0; i < N; i++) {
    struct report *r = &rep[i];
    printf("thread %d init: main %d a %d b %d zero %d big %lld name %s/%s ptrs %s distinct %d\n", i,
           r->init_main, r->init_a, r->init_b, r->init_zero, r->init_big, r->init_name,
           r->init_a_name, r->init_ptrs, r->distinct);
    printf("thread %d after: main %d a %d b %d zero %d big %lld name %s\n", i, r->after_main,
           r->after_a, r->after_b, r->after_zero, r->after_big, r->after_name);
  }
  ptr_bits(bits);
  printf("main after: main_tls %d a_tls %d b_tls %d zero %d big %lld name %s/%s ptrs %s\n",
         main_tls, a_get(), b_get(), main_zero + b_get_zero(), b_get_big(), main_name, a_name, bits);
  printf("same addresses in main: %d\n", &main_tls == main_addrs[0] && a_tls_addr() == main_addrs[1] &&
                                             b_tls_addr() == main_addrs[2]);
  return 0;
}
