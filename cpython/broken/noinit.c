/* A shared library without PyInit_noinit: it loads, but import raises
 * ImportError ("dynamic module does not define module export function"). */
int noinit_answer(void) { return 42; }
