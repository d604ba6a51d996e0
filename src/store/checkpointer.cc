#include "store/checkpointer.h"

#include <pthread.h>

#include <ctime>

#include "base/check.h"
#include "base/time.h"
#include "proof/checkpoint.h"

namespace twoline::store {

Checkpointer::Checkpointer(Store& store, CheckpointPolicy policy,
                           std::function<void(const std::string&)> log)
    : store_(store), policy_(std::move(policy)), log_(std::move(log)) {
  CHECK(policy_.signer != nullptr);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-checkpoint");
    Run();
  });
}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Checkpointer::MaybeTake(const std::string& zone, const journal::Chain& chain) {
  const auto now = std::chrono::steady_clock::now();
  auto [it, inserted] = last_.try_emplace(zone);
  if (inserted) {
    // The latest kept checkpoint counts as the last one (none: the journal's start).
    auto latest = store_.LatestCheckpoint(zone);
    it->second.size = latest && *latest ? (*latest)->size : 0;
    it->second.at = now;
  }
  const uint64_t entries = chain.entries();
  if (entries <= it->second.size) return false;
  bool by_count = policy_.every_entries > 0 && entries - it->second.size >= policy_.every_entries;
  bool by_time = policy_.every.count() > 0 && now - it->second.at >= policy_.every;
  if (!by_count && !by_time) return false;
  it->second = Last{entries, now};
  Head head{zone, entries, chain.frontier().Root()};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_.size() >= kPendingMax) pending_.pop_front();
    pending_.push_back(std::move(head));
  }
  changed_.notify_all();
  return true;
}

void Checkpointer::Committed(const std::string& zone, uint64_t entries) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t& durable = committed_[zone];
    if (entries <= durable) return;
    durable = entries;
  }
  changed_.notify_all();
}

void Checkpointer::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    auto durable = [&](const Head& head) {
      auto it = committed_.find(head.zone);
      return it != committed_.end() && head.size <= it->second;
    };
    std::deque<Head> ready;
    changed_.wait(lock, [&] {
      for (const Head& head : pending_) {
        if (durable(head)) return true;
      }
      return stopping_;
    });
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (durable(*it)) {
        ready.push_back(std::move(*it));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (ready.empty()) {
      if (stopping_) break;
      continue;
    }
    lock.unlock();
    for (const Head& head : ready) Sign(head);
    lock.lock();
  }
  if (!pending_.empty() && log_) {
    log_(std::to_string(pending_.size()) +
         " checkpoint(s) not signed: their entries were not durable when the writer stopped");
  }
  pending_.clear();
}

void Checkpointer::Sign(const Head& head) {
  proof::Checkpoint checkpoint{proof::DefaultOrigin(head.zone), head.size, head.root, {}};
  auto note = proof::SignCheckpoint(checkpoint, *policy_.signer);
  Status kept = note ? store_.WriteCheckpoint(CheckpointRecord{
                           head.zone, head.size, *note, FormatRfc3339(std::time(nullptr), 0)})
                     : Status(note.error());
  if (!kept) {
    ++failed_total_;
    if (log_) {
      log_("checkpoint of " + head.zone + " at size " + std::to_string(head.size) +
           " not kept: " + kept.message());
    }
    return;
  }
  ++signed_total_;
}

}  // namespace twoline::store
