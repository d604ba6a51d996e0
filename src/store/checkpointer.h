// Checkpointer: signs checkpoints of live zones in the background and keeps them in the store
// (store.h, proof/checkpoint.h), so that a server publishes signed tree heads at an interval
// without stalling its writer.
//
// How. The writer thread calls MaybeTake between batches (as it does the Snapshotter's). When a
// zone is due (CheckpointPolicy: every N entries, or every T seconds with at least one new entry),
// it takes the zone's tree head from the chain's Merkle frontier — the size decided so far and its
// root, O(log n) node hashes — and queues it. The committer thread reports each size that became
// durable (Committed). The Checkpointer's own thread signs a queued head (Ed25519) once its size is
// durable, never before (a checkpoint commits its signer to entries that must exist), and writes it
// with Store::WriteCheckpoint. Heads whose size never becomes durable (the writer stopped after a
// failed commit) are dropped at Stop. So the writer pays a root and a queue push per checkpoint;
// signing and the store write run on the Checkpointer's thread, and a store write waits at most for
// the append in flight.
//
// At most kPendingMax heads wait (older ones are dropped first). Failures are logged and change
// nothing: the next checkpoint is signed when due.
// Thread-safety: MaybeTake on the thread that owns the chains; Committed from the committer thread;
// Stop and the counters from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "journal/chain.h"
#include "proof/note.h"
#include "store/store.h"

namespace twoline::store {

struct CheckpointPolicy {
  std::shared_ptr<const proof::NoteSigner> signer;  // null: no checkpoints
  std::chrono::seconds every{60};                   // 0: not by time
  uint64_t every_entries = 10000;                   // 0: not by count
};

class Checkpointer {
 public:
  static constexpr size_t kPendingMax = 64;

  // `policy.signer` must be set.
  Checkpointer(Store& store, CheckpointPolicy policy, std::function<void(const std::string&)> log);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Takes the zone's tree head when it is due. Returns true when one was taken.
  bool MaybeTake(const std::string& zone, const journal::Chain& chain);
  // The zone's journal is durable through `entries`.
  void Committed(const std::string& zone, uint64_t entries);
  // Signs the heads that are durable, drops the others, and ends the thread. Idempotent.
  void Stop();

  uint64_t signed_total() const { return signed_total_.load(); }
  uint64_t failed_total() const { return failed_total_.load(); }

 private:
  struct Head {
    std::string zone;
    uint64_t size = 0;
    Hash256 root{};
  };
  struct Last {
    uint64_t size = 0;
    std::chrono::steady_clock::time_point at;
  };
  void Run();
  void Sign(const Head& head);

  Store& store_;
  const CheckpointPolicy policy_;
  const std::function<void(const std::string&)> log_;
  std::map<std::string, Last> last_;  // per zone: the last head taken (writer thread only)

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Head> pending_;                   // oldest first
  std::map<std::string, uint64_t> committed_;  // per zone: entries durable
  bool stopping_ = false;
  std::atomic<uint64_t> signed_total_{0}, failed_total_{0};
  std::thread thread_;
};

}  // namespace twoline::store
