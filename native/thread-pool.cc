#include "thread-pool.h"

#include <algorithm>

namespace maflow {

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
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return generation_ != seen; });
    seen = generation_;
    // Only the first `participants_` workers to wake join this job; the others go back to sleep.
    if (participants_ <= 0) continue;
    --participants_;
    lock.unlock();
    drain();
    lock.lock();
    ++done_;
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
    done_ = 0;
    ++generation_;
  }
  wake_.notify_all();
  drain();
  // Wait for every helper that joined, and retract the invitation from those that have not woken yet, so that no
  // worker can run this job's task after run() returns.
  std::unique_lock<std::mutex> lock(mutex_);
  int joined = helpers - participants_;
  participants_ = 0;
  finished_.wait(lock, [&] { return done_ >= joined; });
}

}  // namespace maflow
