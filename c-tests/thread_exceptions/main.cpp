// C++ exceptions thrown in a side module on worker threads and caught in the
// main module's thread functions; one worker's exception is carried to the
// main thread with std::exception_ptr and rethrown there.
#include <atomic>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

int may_throw(int v);
extern std::atomic<int> guards_destroyed;
struct CodeError : std::runtime_error {
  int code;
  CodeError(int c);
};

struct Counts { int runtime = 0, code = 0, code_sum = 0, ints = 0, none = 0, uncaught = 0; };

static void worker(int id, Counts *c) {
  for (int k = 0; k < 200; k++) {
    int v = id * 1000 + k;
    try {
      may_throw(v);
      c->none++;
    } catch (const CodeError &e) {
      c->code++;
      c->code_sum += e.code % 1000;
    } catch (const std::runtime_error &e) {
      c->runtime++;
    } catch (int i) {
      c->ints += (i == v);
    } catch (...) {
      c->uncaught++;
    }
  }
  // Nested: rethrow from a catch block on the worker.
  try {
    try { may_throw(id * 4 + 1); } catch (const std::exception &) { throw; }
  } catch (const CodeError &e) {
    c->code_sum += 100000 * (e.code == id * 4 + 1);
  }
}

int main() {
  std::vector<Counts> counts(4);
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; i++) ts.emplace_back(worker, i, &counts[i]);
  for (auto &t : ts) t.join();
  for (int i = 0; i < 4; i++)
    printf("thread %d: runtime %d code %d (sum %d) int %d none %d other %d\n", i, counts[i].runtime,
           counts[i].code, counts[i].code_sum, counts[i].ints, counts[i].none, counts[i].uncaught);
  printf("guards destroyed %d\n", guards_destroyed.load());

  std::exception_ptr carried;
  std::thread t([&carried] {
    try { may_throw(8); } catch (...) { carried = std::current_exception(); }
  });
  t.join();
  try {
    if (carried) std::rethrow_exception(carried);
    printf("nothing carried\n");
  } catch (const std::runtime_error &e) {
    printf("main rethrew the worker's exception: %s\n", e.what());
  }
  printf("uncaught on main %d\n", std::uncaught_exceptions());
  return 0;
}
