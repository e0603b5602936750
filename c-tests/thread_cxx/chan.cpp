#include "chan.hpp"
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

// Each sending thread counts its sends in a thread_local object of this
// module; its destructor, run when the thread exits, adds them up.
static std::mutex stats_mutex;
static int senders_exited;
static long sends_of_exited;
struct SendStats {
  long sends = 0;
  ~SendStats() {
    std::lock_guard<std::mutex> lk(stats_mutex);
    senders_exited++;
    sends_of_exited += sends;
  }
};
static thread_local SendStats send_stats;

void chan_stats(int *exited, long *sends) {
  std::lock_guard<std::mutex> lk(stats_mutex);
  *exited = senders_exited;
  *sends = sends_of_exited;
}

struct Channel {
  std::mutex m;
  std::condition_variable not_empty, not_full;
  std::deque<int> q;
  std::size_t capacity;
  bool closed = false;
};

Channel *chan_create(std::size_t capacity) {
  Channel *c = new Channel;
  c->capacity = capacity;
  return c;
}

void chan_send(Channel *c, int v) {
  std::unique_lock<std::mutex> lk(c->m);
  c->not_full.wait(lk, [c] { return c->q.size() < c->capacity; });
  c->q.push_back(v);
  send_stats.sends++;
  c->not_empty.notify_one();
}

bool chan_recv(Channel *c, int *v) {
  std::unique_lock<std::mutex> lk(c->m);
  c->not_empty.wait(lk, [c] { return !c->q.empty() || c->closed; });
  if (c->q.empty()) return false;
  *v = c->q.front();
  c->q.pop_front();
  c->not_full.notify_one();
  return true;
}

void chan_close(Channel *c) {
  std::lock_guard<std::mutex> lk(c->m);
  c->closed = true;
  c->not_empty.notify_all();
}

void chan_destroy(Channel *c) { delete c; }

long parallel_sum(int n, int parts) {
  std::vector<long> sums(parts);
  std::vector<std::thread> ts;
  for (int p = 0; p < parts; p++)
    ts.emplace_back([&sums, p, n, parts] {
      for (int i = p + 1; i <= n; i += parts) sums[p] += i;
    });
  long total = 0;
  for (int p = 0; p < parts; p++) {
    ts[p].join();
    total += sums[p];
  }
  return total;
}
