// Thread-locals of a side module: every new thread starts with the initial
// values, even when it reuses a worker (or stack) of an earlier thread.
_Thread_local int pool_tls = 77;
_Thread_local int pool_uses;

int pool_touch(int id) {
  int fresh = pool_tls == 77 && pool_uses == 0;
  pool_tls = id;
  pool_uses++;
  return fresh;
}
