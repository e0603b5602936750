// A channel of ints guarded by std::mutex and std::condition_variable,
// implemented in the side module libchan.so.
#include <cstddef>
struct Channel;
Channel *chan_create(std::size_t capacity);
void chan_send(Channel *c, int v);
bool chan_recv(Channel *c, int *v);  // false once closed and drained
void chan_close(Channel *c);
void chan_destroy(Channel *c);
// Threads that sent and have exited, and how many values they sent.
void chan_stats(int *exited, long *sends);
// Sums 1..n on `parts` std::threads started inside the side module.
long parallel_sum(int n, int parts);
