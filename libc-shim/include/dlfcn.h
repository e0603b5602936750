/* <dlfcn.h> for WebAssembly programs built against wasi-libc and run by
 * dlrun. The values are glibc's (and musl's). */
#ifndef _DLFCN_H
#define _DLFCN_H

#ifdef __cplusplus
extern "C" {
#endif

#define RTLD_LAZY     0x00001
#define RTLD_NOW      0x00002
#define RTLD_NOLOAD   0x00004
#define RTLD_NODELETE 0x01000
#define RTLD_GLOBAL   0x00100
#define RTLD_LOCAL    0

#define RTLD_NEXT    ((void *)-1)
#define RTLD_DEFAULT ((void *)0)

typedef struct {
  const char *dli_fname; /* file the address belongs to */
  void *dli_fbase;       /* where that file's static data starts */
  const char *dli_sname; /* nearest symbol at or below the address */
  void *dli_saddr;       /* its address */
} Dl_info;

void *dlopen(const char *file, int mode);
void *dlsym(void *__restrict handle, const char *__restrict name);
int dlclose(void *handle);
char *dlerror(void);
int dladdr(const void *addr, Dl_info *info);

#ifdef __cplusplus
}
#endif

#endif
