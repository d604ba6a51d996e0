// Committer: appends sealed batches to a Store on a thread of its own, one at a time and in order,
// so that the thread deciding commands can decide the next batch while the previous one is written
// and fsync'd (a two-stage pipeline over the two halves of a group commit).
//
// At most one append is in flight: Start waits for the previous one first. `done` callbacks run on
// the committer thread right after their append, in order — the Writer completes its requests'
// futures there, so an answer never waits for the deciding thread. Wait() returns once nothing is in
// flight, with the status of the last append; after a failure every later Start fails at once
// without touching the store (the Store is sticky-failed anyway).
// Thread-safety: Start and Wait are called by one owning thread; callbacks run on the committer
// thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "store/store.h"
#include "store/writer_stats.h"

namespace twoline::store {


class Committer {
 public:
  using Done = std::function<void(const Status& status)>;

  // Each append's duration (write and fsync) is observed in `seconds` when given. The thread asks
  // for nice value `nice` when it is not 0 (base/thread_priority.h); niced() says whether it got it.
  explicit Committer(Store& store, Histogram* seconds = nullptr, int nice = 0);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Waits for the append in flight, then starts appending `batch`.
  void Start(AppendBatch batch, Done done);
  // Waits until nothing is in flight; the status of the last append (Ok when there was none).
  Status Wait();
  // Whether the thread runs at the nice value asked for (false when 0 was asked: nothing was set).
  bool niced() const { return niced_; }

 private:
  void Run();

  Store& store_;
  Histogram* const seconds_;
  bool niced_ = false;  // set by the thread before the constructor returns
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::pair<AppendBatch, Done>> next_;  // handed over, not yet taken
  bool busy_ = false;      // an append is being written
  bool stopping_ = false;
  Status last_;
  std::thread thread_;
};

}  // namespace twoline::store
