// Preloaded (--preload libover.so): C definitions of functions the main
// module imports from env. getloadavg is one dlrun implements itself,
// host_greeting one nothing else defines, js_answer one of main's EM_JS
// functions.
int getloadavg(double *avg, int n) {
  int k;
  for (k = 0; k < n && k < 3; k++) avg[k] = 1.5 + k;
  return k;
}

const char *host_greeting(void) { return "hello from the preloaded library"; }

int js_answer(void) { return 7; }
