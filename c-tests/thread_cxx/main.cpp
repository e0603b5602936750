// std::thread, std::mutex, std::atomic, a thread_local object with a
// constructor and destructor, and a producer/consumer channel built on
// std::condition_variable in a side module. Workers only count; main prints
// after joining them.
#include "chan.hpp"
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

static std::mutex count_mutex;
static int constructed, destroyed, id_sum;

struct Tracker {
  int id = -1;
  int uses = 0;
  Tracker() {
    std::lock_guard<std::mutex> lk(count_mutex);
    constructed++;
  }
  ~Tracker() {
    std::lock_guard<std::mutex> lk(count_mutex);
    destroyed++;
    id_sum += id * 100 + uses;
  }
};
static thread_local Tracker tracker;

int main() {
  std::atomic<int> hits{0};
  std::mutex m;
  int guarded = 0;
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; i++)
    ts.emplace_back([&, i] {
      tracker.id = i;
      for (int k = 0; k < 1000; k++) {
        hits.fetch_add(1);
        std::lock_guard<std::mutex> lk(m);
        guarded++;
        tracker.uses++;
      }
    });
  for (auto &t : ts) t.join();
  ts.clear();
  {
    std::lock_guard<std::mutex> lk(count_mutex);
    printf("trackers constructed %d destroyed %d id_sum %d\n", constructed, destroyed, id_sum);
  }
  printf("atomic hits %d, guarded %d\n", hits.load(), guarded);

  // Two producers and two consumers through the side module's channel.
  Channel *c = chan_create(4);
  std::atomic<long> received_sum{0};
  std::atomic<int> received_count{0};
  for (int p = 0; p < 2; p++)
    ts.emplace_back([c, p] {
      for (int k = 1; k <= 500; k++) chan_send(c, p * 1000 + k);
    });
  std::vector<std::thread> consumers;
  for (int q = 0; q < 2; q++)
    consumers.emplace_back([&] {
      int v;
      while (chan_recv(c, &v)) {
        received_sum += v;
        received_count++;
      }
    });
  for (auto &t : ts) t.join();
  chan_close(c);
  for (auto &t : consumers) t.join();
  chan_destroy(c);
  printf("channel received %d values, sum %ld\n", received_count.load(), received_sum.load());
  int exited;
  long sends;
  chan_stats(&exited, &sends);
  printf("senders exited %d, their sends %ld\n", exited, sends);

  printf("parallel_sum in side module: %ld\n", parallel_sum(1000, 3));
  {
    std::lock_guard<std::mutex> lk(count_mutex);
    printf("trackers constructed %d destroyed %d at the end\n", constructed, destroyed);
  }
  return 0;
}
