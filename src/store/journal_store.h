// JournalStore: the Store on one zone's JSON Lines journal file (journal/entry.h has the line format;
// docs/journal.md the file). It is the second backend under the same commit path as SqliteStore:
// `twoline run --journal` decides through store::CommitBatch and appends through Append like
// `run --db`, and duplicates are answered from the file.
//
// The file holds one zone's chain, one entry per line, each line ending in '\n'. Open scans the file
// for line ends (no parsing: the entries are verified when they are replayed, from the newest valid
// snapshot on) and reads the last line for the chain head. A last line without its '\n' is a torn
// write: Open refuses the file and names it, it never repairs it silently. With the offsets index
// (JournalStoreOptions::use_index, `<journal>.index`: where each entry ends, 8 bytes an entry) only
// the part of the file after the indexed entries is scanned. Append writes the batch's lines with
// one write(2) and makes them durable with fdatasync(2); a failed write or sync is sticky (every
// later Append fails until the file is reopened), and a partial write is truncated away.
//
// Leaf hashes (store.h), 32 bytes an entry, are kept in `<journal>.leaves`. Both files are derived
// data: never fsync'd, extended by every append, and cut on a process's first append to what it
// trusts. Open maps them (MappedVector) rather than reading them, so that opening a journal of
// years costs neither a read of them nor memory: the index is checked where it ends (its last
// entries must end lines of the journal), the leaves file where it ends too (its last leaf hashes
// must be those of their lines); the leaf hashes it lacks are computed from the lines (all of them
// when the file is missing or does not fit). An offset out of order further in is found when the
// entry is read and named ("delete the index to rebuild it"). Replay checks every leaf hash it reads
// against its line; an audit (`verify`) opens without either file.
// Checkpoints are JSON lines in `<journal>.checkpoints`, appended and fdatasync'd one at a time:
//   {"zone":Z,"size":N,"signed_at":"<RFC 3339>","note":"<the signed note>"}
// A last line without its '\n' (a write cut short) is ignored; any other malformed line is an error.
//
// Read models are not stored in the file: they are derived, and are kept in memory when this process
// created the journal or once a rebuild (ReadModelChanges::replace_all) has built them — `query`
// rebuilds them, `run` does not need them. Until then Zones() reports read_model_seq 0 and
// read-model changes are ignored. Snapshots are files in `<journal>.snapshots/` (snapshot_files.h). Tokens are refused:
// a journal file serves no clients.
// Thread-safety: all methods are safe from any thread (one mutex; reads use pread).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/mapped_vector.h"
#include "store/snapshot_files.h"
#include "store/store.h"
#include "store/view_table.h"

namespace twoline::store {

struct JournalStoreOptions {
  bool read_only = false;
  bool create = true;  // create the file when absent (ignored when read_only)
  // Use the offsets index `<journal>.index` (8 bytes per entry: where each entry starts) so that
  // opening costs the index and the tail it does not cover, not a scan of the whole file. The index
  // is derived data: appended after each Append, never fsync'd, checked on open (sizes, order, line
  // starts, the tail scanned) and rebuilt by a full scan whenever it does not fit the file. The
  // same holds for the leaf hashes in `<journal>.leaves` (false: computed from every line on open).
  bool use_index = true;
  // Keep read models (presence, balances, declaration views) in memory as the journal grows, for
  // a process that answers reads from them (`serve`). A process that only appends (`run`) does
  // not: a journal file stores no read models, so what it built would be thrown away at exit, and
  // a reader rebuilds them when it loads the zone.
  bool read_models = true;
  // With read_only: a journal whose last line is torn opens with its complete entries, and the
  // tear is reported by TornTail() instead of failing the open, so that an audit (`verify`) first
  // checks the entries before it and names the first bad seq, which may be earlier.
  bool open_torn = false;
};

class JournalStore final : public Store {
 public:
  static Result<std::unique_ptr<JournalStore>> Open(const std::string& path,
                                                    const JournalStoreOptions& options);
  ~JournalStore() override;

  Status Append(AppendBatch batch) override;
  bool failed() const override;
  bool WantsReadModels(const std::string& zone) override;
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
  Status TornTail() const override { return torn_tail_; }

 private:
  JournalStore(int fd, std::string path, bool read_only, bool use_index, bool read_models);
  Status Scan();
  // Maps the entries' ends from the index; false when it is missing or does not fit the file.
  bool LoadIndex(uint64_t file_size);
  void AppendIndex(size_t first_new);
  // Where entry `seq` starts; where the last one ends; the offsets ForEachLine takes for entries
  // first_seq..last_seq.
  uint64_t StartOf(uint64_t seq) const { return seq == 1 ? 0 : ends_[seq - 2]; }
  uint64_t FileEnd() const { return ends_.empty() ? 0 : ends_.back(); }
  std::vector<uint64_t> OffsetsOf(uint64_t first_seq, uint64_t last_seq) const;
  // Fills leaves_ for every entry: from `<journal>.leaves` as far as it fits, then from the lines.
  Status LoadLeaves();
  // LoadLeaves unless leaves_ covers every entry (an audit opens without them); holds mutex_.
  Status EnsureLeavesLocked();
  void AppendLeaves(size_t first_new);
  // Calls `each` with the lines of entries first_seq.. in `offsets` (offsets[0] is where entry
  // first_seq starts, back() where the last one ends), reading the file in chunks of about 4 MiB.
  Status ForEachLine(uint64_t first_seq, const std::vector<uint64_t>& offsets,
                     const std::function<Status(uint64_t seq, std::string_view line)>& each) const;
  // Reads entry `seq` (1-based) from the file; the caller holds mutex_.
  Result<EntryRecord> ReadLocked(uint64_t seq) const;

  const int fd_;
  const std::string path_;
  const bool read_only_;
  const SnapshotFiles snapshots_;
  const bool use_index_;
  const bool read_models_;
  bool open_torn_ = false;
  Status torn_tail_;  // set by Scan when open_torn_ let a torn last line pass
  int index_fd_ = -1;
  int leaves_fd_ = -1;

  mutable std::mutex mutex_;
  std::string zone_;               // "" until the first entry
  MappedVector<uint64_t> ends_;    // ends_[seq - 1]: where entry seq ends (after its '\n')
  Hash256 head_{};
  MappedVector<Hash256> leaves_;   // leaves_[seq - 1]: the leaf hash of entry seq
  bool failed_ = false;
  std::string failure_;
  // In-memory read models, once built.
  bool read_models_built_ = false;
  uint64_t read_model_seq_ = 0;
  std::map<std::string, PresenceRow> presence_;
  ViewTable views_;
};

}  // namespace twoline::store
