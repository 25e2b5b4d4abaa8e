// A small persistent pool of worker threads for the large kernels. The calling thread always takes part, so a pool
// of size N starts N-1 workers. Small work never reaches the pool (the kernels decide), and a job submitted while
// another is running (e.g. from a worker_thread) simply runs on its caller: no oversubscription, no deadlock.
// Workers spin for a short while (kSpinMicros) after each job before sleeping, and the caller spins before waiting
// for them: a training step issues kernels back to back, and a futex wake costs tens of microseconds on a VM,
// about the length of one layer's half of a GEMM.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace maflow {

class ThreadPool {
 public:
  using Task = void (*)(void* context, int task);

  // The process-wide pool, created on first use and intentionally never destroyed: its idle workers are detached so
  // that process exit never waits on (or terminates because of) a joinable thread.
  static ThreadPool& instance();

  // Threads that take part in a job (workers + the caller).
  int size() const { return size_; }

  // Limits later jobs to `threads` participants (1 = caller only); clamped to [1, hardware threads].
  void setSize(int threads);

  // Runs task(context, t) for t in [0, tasks), spread over the caller and the workers; returns when all are done.
  void run(int tasks, Task task, void* context);

 private:
  ThreadPool();
  void ensureWorkers(int count);
  void workerLoop();
  void drain();

  int hardware_ = 1;
  int size_ = 1;
  int started_ = 0;
  std::mutex submit_;  // one job at a time; a busy pool makes the caller run serially
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::atomic<uint64_t> generation_{0};  // written under mutex_; read without it while spinning
  int participants_ = 0;  // workers asked to join the current job
  std::atomic<int> done_{0};  // workers finished with the current job (written under mutex_)
  Task task_ = nullptr;
  void* context_ = nullptr;
  int tasks_ = 0;
  int next_ = 0;
};

// Cuts [begin, end) into `tasks` ranges on multiples of `step` from begin, of about equal total `work(i)`: task t
// owns [split[t], split[t + 1]) (`split` has tasks + 1 entries; trailing ranges may be empty). Each cut falls on the
// step boundary nearest its share: cutting after the step that reaches it gave the first of two tasks up to a whole
// step more, and in a staircase the steps near the middle are heavy (a [512 → 512] MADE layer's 24-column panel there
// holds 6.6 % of the work; task 0 got 57 %, so 2 threads ran the layer only 1.76× as fast as 1).
template <typename Work>
void balanceRanges(int begin, int end, int step, int tasks, Work work, int* split) {
  double total = 0;
  for (int i = begin; i < end; ++i) total += work(i);
  double seen = 0;
  int t = 1;
  split[0] = begin;
  for (int i0 = begin; i0 < end && t < tasks; i0 += step) {
    const double before = seen;
    for (int i = i0; i < std::min(end, i0 + step); ++i) seen += work(i);
    while (t < tasks && seen >= total * t / tasks) {
      const double share = total * t / tasks;
      const bool nearerBefore = share - before < seen - share && i0 > split[t - 1];
      split[t] = nearerBefore ? i0 : std::min(end, i0 + step);
      ++t;
    }
  }
  for (; t <= tasks; ++t) split[t] = end;
}

}  // namespace maflow
