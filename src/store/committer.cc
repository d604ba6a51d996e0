#include "store/committer.h"

#include <pthread.h>

#include <chrono>
#include <future>

#include "base/thread_priority.h"

namespace twoline::store {

Committer::Committer(Store& store, Histogram* seconds, int nice)
    : store_(store), seconds_(seconds) {
  std::promise<void> started;
  thread_ = std::thread([this, nice, &started] {
    pthread_setname_np(pthread_self(), "tl-commit");
    niced_ = nice != 0 && SetThreadNice(nice);
    started.set_value();
    Run();
  });
  started.get_future().wait();
}

Committer::~Committer() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !next_ && !busy_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void Committer::Start(AppendBatch batch, Done done) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !next_ && !busy_; });
  if (!last_) {
    Status failed = last_;
    lock.unlock();
    if (done) done(failed);
    return;
  }
  next_.emplace(std::move(batch), std::move(done));
  busy_ = true;
  lock.unlock();
  changed_.notify_all();
}

Status Committer::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !next_ && !busy_; });
  return last_;
}

void Committer::Run() {
  for (;;) {
    std::pair<AppendBatch, Done> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return next_.has_value() || stopping_; });
      if (!next_) return;
      job = std::move(*next_);
      next_.reset();
    }
    Status status = Status::Ok();
    if (!job.first.empty()) {
      const auto started = std::chrono::steady_clock::now();
      status = store_.Append(std::move(job.first));
      if (seconds_ != nullptr) {
        seconds_->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
    }
    job.first = AppendBatch{};  // free the batch before answering
    if (job.second) job.second(status);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last_ = status;
      busy_ = false;
    }
    changed_.notify_all();
  }
}

}  // namespace twoline::store
