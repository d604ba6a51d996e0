// Writer: the single writer thread of a database. It owns every zone's Chain (the ZoneSet) and is
// the only thread that decides commands or appends to the Store.
//
// Group commit. Requests (one or more commands of one zone, from one HTTP request) wait in a bounded
// queue. The writer takes as many whole requests as fit in WriterOptions::batch_commands_max,
// decides them in arrival order, and hands every resulting entry with its read-model rows to the
// Committer as ONE Store::Append (one transaction, one fsync); each request's future is completed
// only after that append succeeded. So no decision is ever returned before its journal entry is
// durable, and one fsync serves everyone who arrived while the previous one ran. The two halves are
// pipelined and the batch adapts to the disk: while batch N is written and fsync'd on the committer
// thread, the writer keeps deciding arriving requests into batch N+1, and seals it as soon as the
// committer is free (or the batch is full) — at most one append in flight, no timer.
//
// Overload. Submit refuses a request at once (kOverloaded) when the commands already queued plus its
// own would exceed WriterOptions::queue_commands_max; the API turns this into 503 with Retry-After.
//
// Failure. A failed Append is sticky: the batch that hit it, the batch decided behind it, and every
// later Submit answer kUnavailable until the process restarts, because the in-memory chains are now
// ahead of the disk. The writer then reloads its zones from the store (what is durable), so that
// reads served through it (Read) still show exactly the committed state; reads of read models go on
// regardless.
//
// Checkpoints. With WriterOptions::checkpoints set, a Checkpointer (checkpointer.h) takes each due
// zone's tree head between batches and signs it on its own thread once the committer reports its
// size durable: the writer pays one frontier root per checkpoint, never a signature or a store write.
//
// Read models under load. A batch's journal entries are durable before its answers, always. Its
// read-model rows (presence, person and crossing views, balances, declarations) go into the same
// transaction when the batch holds a single request and earlier batches left few rows (those of at
// most read_models_taken_alone_commands commands: a burst, not sustained load): at that pace a
// client reads its own writes as soon as it is answered. A batch of more requests
// leaves its rows to a later batch that takes them (CommitBatch::Seal): every row touched since is
// then read from the engine once, however many batches touched it, and queued; each batch writes at
// most read_model_rows_per_batch queued rows (an eighth of the queue when more) besides its
// entries, so that no batch carries a whole window of index pages and stalls the ones behind it,
// and with no command coming the queue is written on its own. Rows are taken once the oldest
// untaken one is read_models_lag old or read_models_lag_commands commands have left theirs, and
// when the writer stops (a batch of one request amid load takes nothing early: it would carry the
// whole queue and stall the batches behind it). So under load the read models may trail the
// answers by up to read_models_lag plus the writing of the queue; reads never wait for the writer.
// A crash leaves the read models behind the journal, and the next start brings them up to date from
// it (ZoneSet::Load); so does a failed commit, until the restart. Snapshots are taken only with
// nothing untaken or queued, so that a snapshot is never ahead of the read models.
//
// No read of the API runs on this thread: declarations with their traces, balances and reports are
// answered from the read models of committed state (store::ReadViews, goods_reads.h), so that no
// reader waits for a decision or its fsync (docs/security.md). Read runs a function against the
// engine itself, after the append in flight has completed and before the next batch is decided,
// when the engine's state is exactly the committed state: the tests use it to compare the read
// models and the state with what is durable.
// Thread-safety: Submit, Read, Stop and the accessors are safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/command.h"
#include "store/checkpointer.h"
#include "store/commit_batch.h"
#include "store/committer.h"
#include "store/snapshotter.h"
#include "store/store.h"
#include "store/writer_stats.h"
#include "store/zone_set.h"

namespace twoline::store {

// One command of a durable batch, as WriterOptions::on_committed sees it (valid during the call).
struct CommittedCommand {
  const engine::Command* command = nullptr;
  const Answer* answer = nullptr;
};

struct WriterOptions {
  size_t queue_commands_max = 100000;  // commands waiting; beyond this Submit answers kOverloaded
  size_t batch_commands_max = 4096;    // commands decided per group commit
  // Called once, from the writer's or the committer's thread, with the reason writes stopped (it
  // names files and SQLite errors: for the operator's log, not for clients).
  std::function<void(const std::string& reason)> on_writes_stopped;
  // Background snapshots of the zones (snapshotter.h); every_entries 0 and every 0: none.
  SnapshotPolicy snapshots;
  std::function<void(const std::string& message)> on_snapshot_log;
  // Signed checkpoints of the zones (checkpointer.h); no signer: none.
  CheckpointPolicy checkpoints;
  std::function<void(const std::string& message)> on_checkpoint_log;
  // Called on the committer thread after each batch is durable, once per zone it touched, with the
  // zone's commands and answers in decision order (repeats and invalid ones included: the answer
  // says). Must not block: the batch's answers wait for it.
  std::function<void(const std::string& zone, const std::vector<CommittedCommand>&)> on_committed;
  // Read models under load (above). Lag 0: every batch writes its own (a cluster node does).
  std::chrono::milliseconds read_models_lag{50};
  size_t read_models_lag_commands = 20000;
  size_t read_model_rows_per_batch = 512;  // queued rows written per batch (or an eighth of the queue)
  // A batch of one request takes the rows left before it (and waits for them) when they are of at
  // most this many commands, and at most a batch's worth of rows is queued: a burst of requests,
  // not sustained load.
  size_t read_models_taken_alone_commands = 64;
  // The nice value the writer's and the committer's threads ask for (Linux: per thread); 0 leaves
  // them as they are. Every request passes those two stages one at a time, while the HTTP loops
  // and the read models' thread work beside them: a server asks for kServerNice, so that on cores
  // busy with everything else a decision and its commit are not the ones that wait. Raising a
  // thread's priority needs CAP_SYS_NICE or an RLIMIT_NICE that allows it; when refused, the
  // threads stay at 0 and WriterStats::priority_raised says so.
  int nice = 0;
};

// The writer's and committer's nice value in a server (WriterOptions::nice). Measured with 64 clients
// posting crossings (bench/http_run.sh, docs/architecture.md): p99 4.30 ms against 5.24 ms at 0.
inline constexpr int kServerNice = -5;

// Called on the writer thread for every command of a request before any is decided; an error
// refuses the whole request (kForbidden): the API's per-command role rules (a declarant declares
// only for its own party). Which documents a command may name is the engine's to decide, in the
// scope of the command's stamp (engine::GoodsState::ResolveDocument).
using Authorize = std::function<Status(const engine::Command& command)>;

// A command that may only be answered as a repeat: the server would refuse it as new (its `at` is
// beyond the allowed skew), but a retry of a command already decided gets the original decision,
// however late it comes (SPEC §2, `id`).
struct RepeatOnly {
  size_t index = 0;     // in SubmitRequest::commands
  std::string message;  // the refusal when the id was not decided: 400 invalid_command
  std::string path;
};

struct SubmitRequest {
  std::string zone;
  std::vector<engine::Command> commands;
  Authorize authorize;  // optional
  std::vector<RepeatOnly> repeat_only;
  // The writer time the request's commands may take, together (0: no bound). Once deciding has
  // taken more, the request's remaining commands are not decided: each is answered `invalid`
  // (`command.not-decided`, never journaled) and may be sent again. One request cannot hold the
  // writer that every zone shares for seconds with commands that each walk thousands of lots.
  std::chrono::nanoseconds decide_budget{0};
};

enum class SubmitStatus { kDecided, kForbidden, kUnavailable, kOverloaded, kUnknownZone, kRefused };

struct SubmitResult {
  SubmitStatus status = SubmitStatus::kDecided;
  std::vector<Answer> answers;  // one per command when kDecided
  std::string message;          // why, otherwise
  // kDecided: the zone's journal size once the request's batch was durable (a receipt's tree size).
  uint64_t journal_entries = 0;
  std::string path = {};  // kRefused: the refused command's JSON path
};

class Writer {
 public:
  // Starts the writer thread. `store` must outlive the Writer.
  Writer(Store& store, std::unique_ptr<ZoneSet> zones, const WriterOptions& options);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::future<SubmitResult> Submit(SubmitRequest request);
  // The same, answered through `done` instead of a future: called exactly once, on the committer
  // thread once the request's batch is durable (or on the writer's or the calling thread when it
  // is answered at once: refused, overloaded, stopped). Must not block: the batch's other answers
  // wait for it. A future's promise costs two futex calls a request (std::call_once's wake-up and
  // the waiter's), which perf of the server under 64 clients found on the committer thread.
  void Submit(SubmitRequest request, std::function<void(SubmitResult)> done);
  // Wake-ups deferred for a thread that submits many requests in one go (an HTTP event loop, one
  // turn of its events): between DeferWakes and WakeDeferred, Submit on this thread only queues,
  // and WakeDeferred wakes each writer submitted to once. perf of the server under 64 clients had
  // put a futex wake-up of the writer (and its context switch) on nearly every request.
  static void DeferWakes();
  static void WakeDeferred();
  // Runs `read` against `zone` on the writer thread, at a moment when the zone's state is exactly
  // what is durable. Errors: unknown zone, writer stopped, state unavailable after a failure.
  std::future<Result<std::string>> Read(const std::string& zone,
                                        std::function<Result<std::string>(const Zone&)> read);

  // Finishes the requests already queued, then stops the thread; later Submits get kUnavailable.
  void Stop();

  bool writes_stopped() const { return stats_.writes_stopped.load(); }
  const std::vector<std::string>& zone_ids() const { return zone_ids_; }
  // What the HTTP layer needs to stamp a command of `zone` with the server's time (SPEC §2, `at`),
  // from the profile in force when the writer started; null for a zone it does not serve.
  struct ZoneClock {
    int32_t utc_offset_minutes = 0;
    int64_t allowed_skew_seconds = 0;
  };
  const ZoneClock* clock_of(std::string_view zone) const {
    auto found = zone_clocks_.find(zone);
    return found == zone_clocks_.end() ? nullptr : &found->second;
  }
  WriterStats& stats() { return stats_; }
  // Background snapshots (null when off).
  const Snapshotter* snapshotter() const { return snapshotter_.get(); }
  // Background checkpoints (null when off).
  const Checkpointer* checkpointer() const { return checkpointer_.get(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct SubmitJob {
    SubmitRequest request;
    std::function<void(SubmitResult)> done;
    Clock::time_point arrived;
  };
  struct ReadJob {
    std::string zone;
    std::function<Result<std::string>(const Zone&)> read;
    std::promise<Result<std::string>> promise;
  };

  // Requests decided into one batch, completed by the committer once the batch is durable.
  struct Decided {
    std::vector<SubmitJob> jobs;
    std::vector<SubmitResult> results;
    std::vector<uint64_t> journal_entries;  // per stats_.zones, once the batch is durable
  };

  void Run();
  void RunReads(std::vector<ReadJob>& reads);
  // Decides requests into the open batch (answering at once those refused).
  void DecideAll(std::vector<SubmitJob>& jobs);
  // Seals the open batch (or, with none open, the read-model rows left over) and hands it to the
  // committer once the previous append is done.
  void Flush(bool stopping);
  // Whether a batch of `requests` holding `commands` sealed now takes the read-model rows
  // (ReadModelsDue), and whether untaken rows are due without one (their window closed, or a stop).
  bool ReadModelsDue(size_t requests, size_t commands, bool stopping, Clock::time_point now) const;
  // Few enough rows left that a batch of one request takes them all (a burst, not sustained load).
  bool LittleLeft() const;
  bool LeftOverDue(bool stopping, Clock::time_point now) const;
  // Rows taken and queued, to be written even when no command comes.
  bool ReadModelsQueued() const { return batch_ != nullptr && batch_->read_models_queued(); }
  // Decides one request into the batch; false when it was answered at once (forbidden, unknown zone).
  bool DecideRequest(SubmitJob& job, SubmitResult* result);
  // Waits for the append in flight; on failure, reloads the zones.
  void Settle();
  // After a failure: drops the batch and reloads the zones from what is durable (once).
  void Reload();
  // On the committer thread: answers the requests of a batch after its append.
  void Complete(Decided& decided, const Status& status);
  // Complete's halves: what follows a durable batch, in order (counters, signed checkpoints, the
  // feed); then the answers, which a batch whose rows must be readable first gives from the
  // store's AfterReadModels, on its views thread.
  void Committed(const Decided& decided);
  void GiveAnswers(Decided& decided, const Status& status);
  void PublishCommitted(const Decided& decided);
  void StopWrites(const std::string& message);
  void CountAnswers(const std::string& zone, const std::vector<Answer>& answers);

  Store& store_;
  std::unique_ptr<ZoneSet> zones_;      // null after a failure whose reload failed
  std::unique_ptr<CommitBatch> batch_;  // over zones_; null after a failure
  std::shared_ptr<Decided> open_;       // requests decided into batch_, not yet sealed
  size_t open_commands_ = 0;
  bool in_flight_ = false;              // a sealed batch of batch_ is being appended
  const WriterOptions options_;
  const std::vector<std::string> zone_ids_;
  std::map<std::string, ZoneClock, std::less<>> zone_clocks_;  // set in the constructor, then const
  WriterStats stats_;

  std::mutex mutex_;
  std::condition_variable work_;
  std::deque<SubmitJob> submits_;
  std::deque<ReadJob> reads_;
  size_t queued_commands_ = 0;
  bool stopping_ = false;
  Clock::time_point deferred_since_{};  // writer thread: the first batch that left rows untaken
  size_t deferred_commands_ = 0;        // writer thread: commands whose rows are untaken
  bool committing_ = false;  // an append is running (cleared by its completion, which wakes Run)
  // A batch's answers wait for its read models only with at most this many batches' read models
  // unwritten before it (Store::ReadModelsBacklog).
  static constexpr size_t kAwaitedBacklogMax = 4;
  size_t answers_awaiting_ = 0;  // batches durable whose answers wait for their read models
  std::condition_variable answered_;
  Committer committer_;  // before thread_: the thread uses it
  std::unique_ptr<Snapshotter> snapshotter_;  // null when snapshots are off
  std::unique_ptr<Checkpointer> checkpointer_;  // null when checkpoints are off
  std::thread thread_;
};

}  // namespace twoline::store
