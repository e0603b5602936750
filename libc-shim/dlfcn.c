/* dlopen and friends for wasi-libc programs, on top of the host imports
 * dlrun provides in the import module "dlrun":
 *
 *   int open(const char *name, int mode)            handle, or 0 on error
 *   int sym(int handle, const char *name, int *addr) 0 on success
 *   int close(int handle)                            0 on success
 *   int error(char *buf, int len)                    copies the pending error
 *                                                    message (NUL-terminated,
 *                                                    truncated to len) and
 *                                                    clears it; 0 if none
 *   int addr(int address, char *fname, int flen, char *sname, int slen,
 *            int *fbase, int *saddr)                 1 if found, else 0
 *
 * Handles are small integers the host hands out; RTLD_DEFAULT is 0 and
 * RTLD_NEXT is -1. The error message lives in the host, one per process,
 * as glibc keeps it: set by a failing call, cleared by a successful one and
 * by reading it. */
#include <dlfcn.h>
#include <stddef.h>

#define IMPORT(name) __attribute__((import_module("dlrun"), import_name(name)))

IMPORT("open") int __dlrun_open(const char *name, int mode);
IMPORT("sym") int __dlrun_sym(int handle, const char *name, int *addr);
IMPORT("close") int __dlrun_close(int handle);
IMPORT("error") int __dlrun_error(char *buf, int len);
IMPORT("addr") int __dlrun_addr(int address, char *fname, int flen, char *sname, int slen,
                                int *fbase, int *saddr);

void *dlopen(const char *file, int mode) {
  return (void *)(long)__dlrun_open(file, mode);
}

void *dlsym(void *restrict handle, const char *restrict name) {
  int addr = 0;
  if (__dlrun_sym((int)(long)handle, name, &addr) != 0)
    return NULL;
  return (void *)(long)addr;
}

int dlclose(void *handle) {
  return __dlrun_close((int)(long)handle);
}

char *dlerror(void) {
  static char message[512];
  return __dlrun_error(message, sizeof message) ? message : NULL;
}

int dladdr(const void *addr, Dl_info *info) {
  static char fname[256], sname[256];
  int fbase = 0, saddr = 0;
  if (!__dlrun_addr((int)(long)addr, fname, sizeof fname, sname, sizeof sname, &fbase, &saddr))
    return 0;
  info->dli_fname = fname;
  info->dli_fbase = (void *)(long)fbase;
  info->dli_sname = sname[0] ? sname : NULL;
  info->dli_saddr = (void *)(long)saddr;
  return 1;
}
