// Function pointers to functions of Emscripten's JavaScript library that
// dlrun does not provide (WebGL here). Taking them is fine; calling one
// ends the program with a symbol lookup error naming it, unless a library
// loaded later defines the name (then the pointer reaches that).
#include <GLES2/gl2.h>
#include <dlfcn.h>
#include <emscripten/html5_webgl.h>
#include <stdio.h>

typedef void (*clear_fn)(GLbitfield);

int main(void) {
  // volatile: the pointer must come from the GOT, not be folded into a call.
  clear_fn volatile direct = glClear;
  clear_fn looked_up = (clear_fn)emscripten_webgl1_get_proc_address("glClear");
  printf("pointers: %d %d %d\n", direct != 0, looked_up != 0, direct == (clear_fn)glClear);
  void *h = dlopen("libmygl.so", RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  direct(GL_COLOR_BUFFER_BIT);
  glClear(GL_DEPTH_BUFFER_BIT);
  printf("calling the JavaScript one\n");
  fflush(stdout);
  looked_up(GL_COLOR_BUFFER_BIT);
  printf("not reached\n");
  return 0;
}
