// PgStore: the Store on a PostgreSQL database (libpq), for several twoline nodes sharing one
// database (docs/operations.md). Tables and migrations: pg_schema.h; leases and fencing:
// pg_lease.h.
//
// Durability. Every Append is ONE transaction (the Writer's group commit: a batch of many commands
// costs one commit), and Append returns Ok only after COMMIT returned: with synchronous_commit=on
// (set by PgConnection for every session) the WAL is flushed on the server — and on a synchronous
// standby when the server names one — before that. An Append whose COMMIT got no answer (the server
// or the network died) has an unknown outcome; it fails, and the store turns sticky-failed like any
// other failed Append: the writer must reload what is durable before deciding again.
//
// Appends write in bulk: a batch's entries are one INSERT … SELECT FROM unnest(arrays), read-model
// rows one statement per table, so a batch of thousands of commands is a handful of round trips.
// Each zone of the batch must continue its stored chain (compare-and-set on zones), as in every
// store; and its lease is checked under a row lock in the same transaction: with a Fence
// (PgStoreOptions::fence, set by a cluster node for the zone it holds) the lease must still be that
// owner's at that epoch; without one, no other node may hold a live lease on the zone (CheckFence,
// CheckUnleased). So a node that lost its zone can never append to it again.
//
// Connections: one write connection (Append, tokens; under a mutex) and a pool of read connections
// opened on demand (at most read_connections_max) that reconnect when the server went away (a read
// after a failover is retried once on a fresh connection: reads are idempotent). Reads that return
// a count with a page run in one REPEATABLE READ transaction so that both agree. Snapshots are
// rows, written on a read connection so that they never wait behind an Append; so are checkpoints. Thread-safety: all
// methods are safe to call from any thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/pg_connection.h"
#include "store/pg_lease.h"
#include "store/store.h"

namespace twoline::store {

struct PgStoreOptions {
  bool read_only = false;  // no write connection; the schema must exist at this build's version
  bool migrate = true;     // create or migrate the schema on open (ignored when read_only)
  size_t read_connections_max = 16;
  PgOptions connection;
  std::optional<Fence> fence;  // appends are fenced by this lease (one zone; cluster nodes)
};

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<PgStore>> Open(const std::string& conninfo,
                                               const PgStoreOptions& options);
  ~PgStore() override;

  Status Append(AppendBatch batch) override;
  bool failed() const override;
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
  Status DeleteSnapshot(const std::string& zone, uint64_t seq) override;
  Status CreateToken(const TokenRecord& token) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Result<bool> RevokeToken(const std::string& id, const std::string& revoked_at) override;

  // The reason of the first failed Append ("" while none failed).
  std::string failure() const;
  const std::string& conninfo() const { return conninfo_; }

 private:
  class ReaderLease;

  PgStore(std::string conninfo, const PgStoreOptions& options)
      : conninfo_(std::move(conninfo)), options_(options) {}
  Status OpenWriter();
  Result<ReaderLease> Borrow();
  void Return(std::unique_ptr<PgConnection> reader);
  // Runs `read` on a read connection; when the connection turns out lost, once more on a new one.
  Status WithReader(const std::function<Status(PgConnection&)>& read);
  Status AppendInTransaction(const AppendBatch& batch);
  Status CheckLeases(const AppendBatch& batch);
  Status AdvanceZones(const AppendBatch& batch);
  Status InsertEntries(const AppendBatch& batch);
  Status WriteReadModels(const ReadModelChanges& changes);

  const std::string conninfo_;
  const PgStoreOptions options_;

  mutable std::mutex write_mutex_;  // guards the write connection and failure_
  std::unique_ptr<PgConnection> writer_;
  bool failed_ = false;
  std::string failure_;

  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_readers_;
  size_t readers_open_ = 0;
};

// A PostgreSQL text-array literal of `values` ('{"a","b\"c"}'), for bulk statements over unnest().
// Null elements are written for values whose `null` flag is set.
std::string PgTextArray(const std::vector<std::string_view>& values,
                        const std::vector<bool>* null = nullptr);

}  // namespace twoline::store
