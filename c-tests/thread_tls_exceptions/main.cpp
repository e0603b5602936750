// A -pthread side module that has a thread-local of its own and catches a
// C++ exception: emcc 3.1.6 compiled its reads of libc's __THREW__ as its
// first thread-local, so its calls that may throw would overwrite `counter`.
// dlopen refuses it, and dlerror says why (glibc would run it; node runs it
// and ends in "unreachable" at the first catch).
#include <cstdio>
#include <dlfcn.h>

int main() {
  void *h = dlopen("libtlsx.so", RTLD_NOW);
  printf("dlopen: %s\n", h ? "loaded" : "refused");
  if (!h) printf("%s\n", dlerror());
  return 0;
}
