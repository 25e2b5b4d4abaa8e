#include "thread-pool.h"

#include <algorithm>
#include <chrono>

namespace maflow {

namespace {

constexpr int kSpinMicros = 100;

static inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until done() or kSpinMicros have passed; returns done().
template <typename Done>
bool spinUntil(Done done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpuRelax();
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

}  // namespace

ThreadPool& ThreadPool::instance() {
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

ThreadPool::ThreadPool() {
  hardware_ = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  size_ = hardware_;
}

void ThreadPool::setSize(int threads) {
  std::lock_guard<std::mutex> lock(submit_);
  size_ = std::min(std::max(threads, 1), hardware_);
}

void ThreadPool::ensureWorkers(int count) {
  while (started_ < count) {
    std::thread(&ThreadPool::workerLoop, this).detach();
    ++started_;
  }
}

// Claims and runs tasks of the current job until none is left.
void ThreadPool::drain() {
  for (;;) {
    int t;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (next_ >= tasks_) return;
      t = next_++;
    }
    task_(context_, t);
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  for (;;) {
    spinUntil([&] { return generation_.load(std::memory_order_acquire) != seen; });
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
    seen = generation_.load(std::memory_order_relaxed);
    // Only the first `participants_` workers to wake join this job; the others go back to sleep.
    if (participants_ <= 0) continue;
    --participants_;
    lock.unlock();
    drain();
    lock.lock();
    done_.fetch_add(1, std::memory_order_release);
    finished_.notify_one();
  }
}

void ThreadPool::run(int tasks, Task task, void* context) {
  if (tasks <= 0) return;
  std::unique_lock<std::mutex> submit(submit_, std::try_to_lock);
  int helpers = submit.owns_lock() ? std::min(size_, tasks) - 1 : 0;
  if (helpers <= 0) {
    for (int t = 0; t < tasks; ++t) task(context, t);
    return;
  }
  ensureWorkers(helpers);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = task;
    context_ = context;
    tasks_ = tasks;
    next_ = 0;
    participants_ = helpers;
    done_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  drain();
  // Wait for every helper that joined, and retract the invitation from those that have not woken yet, so that no
  // worker can run this job's task after run() returns.
  int joined;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    joined = helpers - participants_;
    participants_ = 0;
  }
  if (spinUntil([&] { return done_.load(std::memory_order_acquire) >= joined; })) return;
  std::unique_lock<std::mutex> lock(mutex_);
  finished_.wait(lock, [&] { return done_.load(std::memory_order_relaxed) >= joined; });
}

}  // namespace maflow
