// MemoryStore: the Store held in memory — for tests (the HTTP end-to-end tests and the writer's
// fault tests run on it) and as the reference the conformance suite holds SqliteStore to.
//
// It keeps the same invariants and failure semantics as SqliteStore: Append is all-or-nothing and
// checks that each zone's entries continue its chain; after a failed Append every later one fails.
// InjectAppendFailures(n) makes the next n Appends fail as a failed fsync would (nothing is stored and
// the store turns sticky-failed), so that tests can exercise the writer's failure path.
// Nothing survives the process: it is durable only in the sense that Append never loses what it
// accepted while the object lives.
// Thread-safety: all methods are safe from any thread (one mutex; readers share it).
#pragma once

#include <map>
#include <mutex>
#include <shared_mutex>

#include "store/store.h"
#include "store/view_table.h"

namespace twoline::store {

class MemoryStore final : public Store {
 public:
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

  // The next `count` Appends fail (and make the store sticky-failed), as a failed fsync would.
  void InjectAppendFailures(int count);
  // Test hook: replaces the stored line of one entry (a corrupted middle entry).
  void CorruptEntryLine(const std::string& zone, uint64_t seq, std::string line);
  // Test hook: replaces the stored leaf hash of one entry.
  void CorruptLeafHash(const std::string& zone, uint64_t seq, const Hash256& leaf_hash);
  // Test hook: sets a zone's read_model_seq (read models that lag the journal).
  void SetReadModelSeq(const std::string& zone, uint64_t seq);

 private:
  struct ZoneData {
    std::vector<EntryRecord> entries;  // entries[seq - 1]
    uint64_t read_model_seq = 0;
    std::map<std::string, PresenceRow> presence;
    ViewTable views;
    std::map<uint64_t, std::string> snapshots;
    std::vector<CheckpointRecord> checkpoints;  // in the order written
  };
  static void ApplyReadModels(const ReadModelChanges& changes, ZoneData* zone);

  mutable std::shared_mutex mutex_;
  std::map<std::string, ZoneData> zones_;
  std::vector<TokenRecord> tokens_;
  bool failed_ = false;
  int failures_to_inject_ = 0;
};

}  // namespace twoline::store
