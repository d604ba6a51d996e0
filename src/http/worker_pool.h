// WorkerPool: a fixed set of threads running queued tasks, for handler work that may block
// (database reads) and so must not run on an event loop. The queue is bounded: Submit refuses when
// it is full, and the caller answers 503 instead of letting work pile up without limit.
// Thread-safety: Submit and Stop are safe from any thread. Stop runs the tasks already queued.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace twoline::http {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t queue_max);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping (the task is dropped).
  bool Submit(std::function<void()> task);
  void Stop();

 private:
  void Work();

  const size_t queue_max_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace twoline::http
