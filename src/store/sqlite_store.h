// SqliteStore: the Store on an embedded SQLite database file (the default backend).
//
// On-disk layout (schema version 6, PRAGMA user_version = 6, application_id 0x74776c31 "twl1"):
//
//   journal(zone, seq, id, hash, line, leaf)  one row per entry; PRIMARY KEY (zone, seq); `line` is
//                                             the entry's canonical JSON line (journal/entry.h), `hash`
//                                             its 32-byte SHA-256, `id` the command id (NULL for profile
//                                             entries), `leaf` its 32-byte RFC 9162 leaf hash (NULL in
//                                             rows written before version 3: computed from the line
//                                             when read). The line is the record; the other columns
//                                             are copies for lookups and proofs, checked against it
//                                             when the entry is replayed.
//   zones(zone, entries, head, read_model_seq) one row per zone: the last seq and hash (the chain head
//                                             that open checks); read_model_seq is no longer used.
//   tokens(id, secret_hash, role, zone, party, created_at, revoked_at)
//   checkpoints(zone, size, note, signed_at)  signed checkpoints (store.h); PRIMARY KEY (zone, size,
//                                             note); written on the write connection, one
//                                             transaction each.
//
// The read models live in a file of their own beside it, `<database>.views` (application_id
// 0x74776c76 "twlv", user_version 6), derived from the journal and rebuilt from it when lost:
//
//   view_zones(zone, read_model_seq)          how far each zone's read models reach.
//   presence(zone, person, entered_at, gate)  persons inside.
//   views(zone, kind, key, owner, state, json) the generic read-model rows (store.h ViewRow);
//                                             PRIMARY KEY (zone, kind, key), indexed by owner and by
//                                             state for lists.
//   owner_keys(zone, kind, epoch, owner, key), owner_keys_recent(zone, kind, key, owner)
//                                             crossings' keys by person (sqlite_store.cc,
//                                             ViewsSchema): recent ones in append order, then
//                                             moved by epoch of 2^17 seqs and owner.
//   view_counts(zone, kind, state, rows)      rows of views by kind and state, for lists' counts.
//
// Read connections attach it (as `views_file`), so reads name its tables as the database's; when it
// is absent (a database copied without it, opened read-only) empty TEMP tables stand in and every
// zone shows read_model_seq 0. A file there that is not such a file is refused, never written over.
//
// Schema version 1 to 5 databases are migrated on open for writing (version 2 added the views
// table; version 3 the leaf column and the checkpoints table; version 4 more kinds of view rows;
// version 5 balance rows with nothing free in held goods; version 6 moved the read models to their
// own file), and their read models rebuilt. Opened read-only, a database of another version is
// refused. Snapshots are files in `<database>.snapshots/` (snapshot_files.h), not rows: they are
// written by a background thread without touching the write connection or the WAL.
//
// Durability: WAL journal mode and PRAGMA synchronous=FULL on the database, so that COMMIT returns
// only after the WAL is fsync'd; a transaction is then either wholly in the database after a crash or
// not at all (SQLite's atomic commit), which is why a torn last entry cannot exist here. Every Append
// with entries is one transaction (BEGIN IMMEDIATE … COMMIT) holding only them. Its read models are
// handed, once that commit succeeded, to the views thread, which writes them in order in a
// transaction of the read models' file (synchronous=NORMAL: not fsync'd; a crash may lose its last
// commits, which the next start writes again from the journal, ZoneSet::Load). Append returns once
// they are written when the batch asks it (AppendBatch::await_read_models, the default); otherwise
// right after the journal's commit, at most kViewsQueueMax batches ahead of the views thread. So a
// group commit of the journal never carries read-model pages, and never waits for them. A failed
// write of the read models stops writes as a failed commit does. Connection options are explicit:
// sqlite3_open_v2 flags, busy timeout, journal_mode, synchronous, and WAL checkpoints are set here
// and nowhere else.
//
// Checkpoints: the database's WAL is not copied into the database file by the commit that fills it
// (SQLite's automatic checkpoint, which made that group commit, and every request behind it, wait
// for megabytes of writes and an fsync of the database file). A commit that leaves the WAL at
// SqliteOptions::wal_checkpoint_pages more frames than the last checkpoint copied wakes the
// checkpoint thread (`tl-wal`), which copies them on a connection of its own while commits go on (a
// PASSIVE checkpoint). A WAL checkpointed only alongside commits is never wholly copied, and SQLite
// starts it over only when it is, so every kWalRestartFactor-th round the thread also copies, holding
// the write lock between two commits, the few frames that came during the round: the next commit
// then starts the WAL over from its beginning. That last copy and its fsync of the database file
// (0.5–6 ms measured under load) is the one pause a commit sees, four times rarer than a round. A
// failed checkpoint is reported (wal_checkpoint_failures) and tried again at the next mark; the
// journal's commits do not depend on it.
//
// Connections: one write connection (Append and token changes, under a mutex), the views thread's
// write connection to the read models' file, and a pool of read
// connections (at most SqliteOptions::read_connections_max, opened on demand) so that reads run in
// parallel with the writer and see only committed transactions (WAL snapshot isolation).
// Thread-safety: all methods are safe to call from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "store/snapshot_files.h"
#include "store/sqlite_connection.h"
#include "store/store.h"

namespace twoline::store {

struct SqliteOptions {
  bool read_only = false;      // open for reading only (verify, query, export)
  bool create = true;          // create the file when absent (ignored when read_only)
  int busy_timeout_ms = 5000;  // wait for another process's lock before failing
  size_t read_connections_max = 16;
  // The database's WAL is copied into the database file once it holds this many pages (16 KiB
  // each), by the checkpoint thread, not by the commit that crossed the mark.
  int wal_checkpoint_pages = 4000;
  // Crossings' owner keys are moved from owner_keys_recent into owner_keys once it holds this many
  // (sqlite_store.cc, ViewsSchema): a lookup of one person's crossings scans them, a move writes each
  // page of owner_keys (of the current epoch) that gains a key once for all of them.
  int64_t owner_keys_merge_rows = 8192;
};

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   const SqliteOptions& options);
  ~SqliteStore() override;

  Status Append(AppendBatch batch) override;
  bool failed() const override;
  void AfterReadModels(std::function<void(const Status&)> then) override;
  size_t ReadModelsBacklog() const override;
  Result<std::vector<ZoneRecord>> Zones() override;
  Result<std::vector<EntryRecord>> ReadEntries(const std::string& zone, uint64_t from_seq,
                                               size_t limit) override;
  Status ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                     const std::function<Status(EntryRecord&)>& each) override;
  Result<std::vector<Hash256>> ReadLeafHashes(const std::string& zone, uint64_t from_seq,
                                              size_t limit) override;
  Status WriteCheckpoint(const CheckpointRecord& checkpoint) override;
  Result<std::optional<CheckpointRecord>> LatestCheckpoint(const std::string& zone) override;
  Result<PresencePage> ReadPresence(const std::string& zone, size_t offset, size_t limit) override;
  Result<std::optional<PresenceRow>> ReadPresenceOf(const std::string& zone,
                                                    const std::string& person) override;
  Result<std::optional<ViewRow>> ReadView(const std::string& zone, const std::string& kind,
                                          const std::string& key) override;
  Result<ViewPage> ListViews(const std::string& zone, const std::string& kind,
                             const ViewFilter& filter, size_t offset, size_t limit) override;
  Status ReadViews(const std::string& zone,
                   const std::function<Status(ViewReader&)>& read) override;
  Status WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) override;
  Result<std::vector<SnapshotInfo>> ListSnapshots(const std::string& zone) override;
  Result<std::string> ReadSnapshot(const std::string& zone, uint64_t seq) override;
  Status UseSnapshot(const std::string& zone, uint64_t seq,
                     const SnapshotUse& use) override;
  Status DeleteSnapshot(const std::string& zone, uint64_t seq) override;
  bool StagesSnapshots() const override { return true; }
  Status StageSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) override;
  Status PublishSnapshot(const std::string& zone, uint64_t seq) override;
  void DiscardStagedSnapshot(const std::string& zone, uint64_t seq) override;
  Status CreateToken(const TokenRecord& token) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Result<bool> RevokeToken(const std::string& id, const std::string& revoked_at) override;

  const std::string& path() const { return path_; }
  // WAL checkpoints done by the checkpoint thread, and those that failed (each tried again).
  uint64_t wal_checkpoints() const { return checkpoints_.load(); }
  uint64_t wal_checkpoint_failures() const { return checkpoint_failures_.load(); }
  // The same, by every store of the process (for /metrics).
  static uint64_t wal_checkpoints_total();
  static uint64_t wal_checkpoint_failures_total();

 private:
  struct WriteStatements;
  struct ViewStatements;
  struct Reader;
  class ReaderLease;
  struct ViewsJob {
    uint64_t ticket = 0;
    std::vector<ReadModelChanges> changes;
  };
  // Batches of read models handed over and not yet written, at most: Append waits beyond.
  static constexpr size_t kViewsQueueMax = 64;
  // Batches written in one transaction of the read models' file, at most.
  static constexpr size_t kViewsJobsPerTransaction = 16;
  // The views thread's nice value where it may not leave SCHED_IDLE once in it (no CAP_SYS_NICE,
  // no RLIMIT_NICE that allows it): a waiter must not wait for an idle-priority thread.
  static constexpr int kViewsNice = 10;

  SqliteStore(std::string path, const SqliteOptions& options);
  Status OpenWriter();
  Status OpenViewsWriter(bool reset);
  void RunViews();  // the views thread
  void RunCheckpoints();  // the checkpoint thread
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int pages);
  Status WriteViews(const std::vector<ViewsJob>& jobs);
  Status ViewsStatus() const;  // the views thread's first failure, or Ok; views_mutex_ held
  // Someone waits for the read models through `ticket` (an answer, the committer, a stop): the
  // views thread leaves SCHED_IDLE until they are written, so that a waiter at normal or raised
  // priority never waits behind every other thread of the machine. views_mutex_ held.
  void UrgeViews(uint64_t ticket);
  Result<ReaderLease> Borrow();
  void Return(std::unique_ptr<Reader> reader);
  Status AppendInTransaction(const AppendBatch& batch);
  Status WriteReadModels(const ReadModelChanges& changes);
  Status WriteViewRow(const std::string& zone, const ViewRow& row);
  Status CountRecentOwnerKeys();
  Status MergeOwnerKeys();
  void CountRows(const std::string& zone, const std::string& kind, const std::string& state,
                 int64_t delta);
  Status WriteRowCounts();
  class LeaseViewReader;
  // Entries in [from_seq, through_seq], at most `limit` (-1: all), in one read transaction.
  Status Scan(const std::string& zone, uint64_t from_seq, uint64_t through_seq, int64_t limit,
              const std::function<Status(EntryRecord&)>& each);

  const std::string path_;
  const std::string views_path_;  // the read models' file
  const SqliteOptions options_;
  const SnapshotFiles snapshots_;

  mutable std::mutex write_mutex_;  // guards the write connection, its statements and failed_
  std::unique_ptr<SqliteConnection> writer_;
  std::unique_ptr<WriteStatements> statements_;
  bool failed_ = false;
  std::string failure_;

  // The read models' file, written by the views thread in the order Append hands batches over.
  std::unique_ptr<SqliteConnection> views_writer_;      // the views thread's
  std::unique_ptr<ViewStatements> view_statements_;    // the views thread's
  int64_t recent_owner_keys_ = 0;  // rows in owner_keys_recent (the views thread's)
  // Rows gained (lost) by zone, kind and state in the views transaction under way.
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> row_count_changes_;
  std::thread views_thread_;
  mutable std::mutex views_mutex_;  // guards what follows
  std::condition_variable views_changed_;
  std::deque<ViewsJob> views_queue_;
  uint64_t views_queued_ = 0, views_written_ = 0;  // tickets
  bool views_stopping_ = false;
  std::string views_failure_;  // the first failed write; sticky
  // The views thread's scheduling (OpenViewsWriter): under SCHED_IDLE when it may leave it again
  // (views_liftable_), lifted to SCHED_OTHER while a thread waits for its writes (UrgeViews) and
  // back once they are written. Otherwise at nice kViewsNice throughout.
  pid_t views_tid_ = 0;
  bool views_liftable_ = false;
  bool views_lifted_ = false;
  uint64_t views_urgent_through_ = 0;  // a ticket someone waits for
  // AfterReadModels callbacks, by the ticket they wait for (ascending), run by the views thread.
  std::deque<std::pair<uint64_t, std::function<void(const Status&)>>> views_waiters_;

  // The database's WAL checkpoints (RunCheckpoints).
  std::unique_ptr<SqliteConnection> checkpointer_;  // the checkpoint thread's
  std::thread checkpoint_thread_;
  std::mutex checkpoint_mutex_;  // guards what follows
  std::condition_variable checkpoint_wanted_;
  bool checkpoint_due_ = false, checkpoint_stopping_ = false;
  // The WAL is started over once it holds this many times wal_checkpoint_pages.
  static constexpr int kWalRestartFactor = 4;
  std::atomic<int> checkpoint_mark_ = 0;  // WAL frames copied by the last round
  std::atomic<uint64_t> checkpoints_ = 0, checkpoint_failures_ = 0;

  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<Reader>> idle_readers_;
  size_t readers_open_ = 0;
};

}  // namespace twoline::store
