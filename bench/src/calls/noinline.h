/* Keeps the compiler from inlining, cloning or analysing across the call:
 * gcc's noipa; clang has no noipa, and noinline is enough there (checked in
 * the disassembly, see bench/README.md). */
#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif
