// BatchQueue: batches handed from one producing thread to one consuming thread, at most kDepthMax
// waiting at a time, so that memory stays flat however long the stream. A null batch ends the
// stream. Either side may stop early with Close(): pending batches are dropped, every later Push
// returns at once and every later Pop returns null, so neither side waits on one that is gone.
// Thread-safety: one producer and one consumer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace twoline {

template <typename Item>
class BatchQueue {
 public:
  using Batch = std::vector<Item>;

  void Push(std::unique_ptr<Batch> batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return batches_.size() < kDepthMax || closed_; });
    if (closed_) return;
    batches_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  std::unique_ptr<Batch> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return !batches_.empty() || closed_; });
    if (batches_.empty()) return nullptr;
    std::unique_ptr<Batch> batch = std::move(batches_.front());
    batches_.pop_front();
    not_full_.notify_one();
    return batch;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    batches_.clear();
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  bool closed() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_;
  }

 private:
  static constexpr size_t kDepthMax = 8;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::unique_ptr<Batch>> batches_;
  bool closed_ = false;
};

// Batches a consumer is done with, handed back to their producer, which empties and fills them
// again: the items are destroyed on the producer's thread rather than the consumer's, and the
// batches' memory, already touched, is used again instead of fresh pages (fresh memory is costly on
// a virtual machine: perf of `verify` and `run` put their readers' page faults there).
// Thread-safety: any thread may Put and Take.
template <typename Item>
class SpentBatches {
 public:
  using Batch = std::vector<Item>;

  void Put(std::unique_ptr<Batch> batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    spent_.push_back(std::move(batch));
  }
  // A spent batch emptied, or a new one, with room for `size` items.
  std::unique_ptr<Batch> Take(size_t size) {
    std::unique_ptr<Batch> batch;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!spent_.empty()) {
        batch = std::move(spent_.back());
        spent_.pop_back();
      }
    }
    if (batch == nullptr) batch = std::make_unique<Batch>();
    batch->clear();
    batch->reserve(size);
    return batch;
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Batch>> spent_;
};

}  // namespace twoline
