// Snapshotter: writes snapshots of live zones in the background, so that a restart loads the newest
// one and replays only the tail (store.h, journal/snapshot.h), without stalling the writer.
//
// How. The writer thread calls MaybeStart between batches. When a zone is due (SnapshotPolicy: every
// N entries, or every T seconds with at least one new entry) and the last snapshot has rested long
// enough (below), MaybeStart fork(2)s: the child process inherits a copy-on-write image of the
// engine exactly as it is at that instant, encodes the snapshot and exits; the writer goes on at
// once. The pause is the fork itself (copying page tables). Where the store keeps snapshots as
// files (Store::StagesSnapshots: the journal file and SQLite), the child writes and syncs the file
// itself under a temporary name, so that the snapshot's bytes never enter this process; otherwise
// it streams them through a pipe to this process. A background thread here waits for the child,
// waits until the snapshot's seq is durable in the store (the batch holding it may still be in
// flight), checks that the stored entry at that seq has the snapshot's head (after a failed commit
// it does not, and the snapshot is dropped), publishes the staged file (or writes the piped bytes
// with Store::WriteSnapshot) and deletes all but the newest `kept`. One snapshot is in progress at
// a time.
//
// Rest. A snapshot encodes the whole state, which grows with history, so at a fixed interval in
// entries its cost per command would grow with history too (a zone of 30 simulated days: 480 MB,
// a core for several seconds, every 100,000 entries: a few seconds apart under load). After a
// snapshot that took D (fork to stored), the next one starts no sooner than D * (1 / share_max - 1)
// later (at most rest_max): snapshots take at most share_max of the time, whatever the state's
// size, and a restart's tail stays within max(every_entries, that rest's entries).
//
// The child only encodes and writes a file or a pipe: no locks, no threads (fork copies only the
// calling thread); it stages a file with system calls alone (SnapshotFiles::Stage). Failures are
// logged and change nothing: a missing snapshot only makes the next start replay more.
// Thread-safety: MaybeStart/Start on the thread that owns the chains; Wait, stats from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "journal/chain.h"
#include "store/store.h"

namespace twoline::store {

struct SnapshotPolicy {
  uint64_t every_entries = 100000;  // 0: not by count
  std::chrono::seconds every{0};    // 0: not by time
  size_t kept = 2;                  // snapshots kept per zone
  double share_max = 0.1;           // of the time spent snapshotting (the rest above); 0: no bound
  // The longest rest, whatever the last snapshot took: a child starved of the cores by a long peak
  // (it runs under SCHED_IDLE) must not put off the next snapshot, and a restart's tail, for hours.
  std::chrono::seconds rest_max{600};
};

// Deletes all but the newest `kept` (at least 1) snapshots of `zone` whose container checks out
// (magic, version, checksum, zone, seq); torn or corrupted ones are deleted and never counted.
// A snapshot at `trusted_seq` (0: none), just written by this process, counts as checking out
// without being read again.
Status PruneSnapshots(Store& store, const std::string& zone, size_t kept, uint64_t trusted_seq = 0);

class Snapshotter {
 public:
  Snapshotter(Store& store, const SnapshotPolicy& policy,
              std::function<void(const std::string&)> log);
  ~Snapshotter();
  Snapshotter(const Snapshotter&) = delete;
  Snapshotter& operator=(const Snapshotter&) = delete;

  // Starts a snapshot of `chain` when it is due and none is in progress. Returns true when started.
  bool MaybeStart(const std::string& zone, const journal::Chain& chain);
  // Starts one now unless one is in progress.
  bool Start(const std::string& zone, const journal::Chain& chain);
  // Waits for the snapshot in progress, if any.
  void Wait();

  // Whether a forked child is running, and so reading a copy-on-write image of this process (the
  // writer keeps the engine's random writes local meanwhile: engine::Engine::SetImageShared).
  bool image_in_use() const { return image_in_use_.load(); }

  uint64_t written() const { return written_.load(); }
  uint64_t failed() const { return failed_.load(); }
  // Microseconds the writer spent in the last fork (sanitizer builds: in copying the chain).
  uint64_t last_pause_us() const { return last_pause_us_.load(); }

 private:
  void Finish(std::string zone, uint64_t seq, int fd, int pid);
  // The size of the zone's newest stored snapshot (0: none), the size hint of the next.
  size_t LastSnapshotBytes(const std::string& zone);
  // Whether the encoding process exited with success (reaps it).
  static bool WaitForChild(int pid);
  // Keep for a snapshot whose bytes this process holds: stored with Store::WriteSnapshot.
  void KeepBytes(const std::string& zone, uint64_t seq, std::string_view bytes);
  // Once the entry at `seq` is durable and is `head` (the snapshot was taken after it), stores the
  // snapshot with `write`; on any failure calls `discard` and counts it as not written.
  void Keep(const std::string& zone, uint64_t seq, const Hash256& head,
            const std::function<Status()>& write, const std::function<void()>& discard);
  // Counts and logs a snapshot that was taken but not written, and frees the snapshotter.
  void NotWritten(const std::string& zone, uint64_t seq, const std::string& why);
  // Ends the snapshot in progress: sets when the next may start (share_max) and frees the
  // snapshotter.
  void Done();

  Store& store_;
  const SnapshotPolicy policy_;
  const std::function<void(const std::string&)> log_;
  std::thread worker_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> image_in_use_{false};
  std::atomic<uint64_t> written_{0}, failed_{0}, last_pause_us_{0};
  // The snapshot in progress started at (steady clock, ns), and the next may start from.
  std::atomic<int64_t> started_ns_{0}, rest_until_ns_{0};
  struct Last {
    uint64_t seq = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Last> last_;  // per zone: the last snapshot started (writer thread only)
};

}  // namespace twoline::store
