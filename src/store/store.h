// Store: durable storage of one database — the hash-chained journal of every zone it serves (one
// chain per zone), the read models derived from it, and the API tokens.
//
// Journal. Entries are stored as their JSON line (journal/entry.h) with the zone, seq, command id,
// hash and RFC 9162 leaf hash (journal/merkle_leaf.h) beside it, written in the same transaction:
// proofs are assembled from the stored leaf hashes (store/stored_tree.h) without reading or hashing
// entries again. Per zone, seqs are 1, 2, 3, … without gaps, and the zone record (entries, head) is
// the seq and hash of the last entry. Append is atomic and durable: when it returns Ok every entry
// and read-model change of the batch is on stable storage; when it fails none of them is visible.
// Append checks that each zone's entries continue the stored chain (compare-and-set on the zone
// record), so two processes appending to one database cannot interleave two chains.
//
// Read models (presence, and the generic view rows: balances, declarations and their
// documents, lots, flows, crossings, persons; read_models.h lists them) are written in the same
// transaction as the entries they reflect;
// `read_model_seq` says up to which seq they are current. They are derived data: a database whose
// read models lag its journal is repaired on open by rebuilding them (zone_set.h). Every row is
// written from the command's own effects (what the batch touched), never by rescanning history, so
// the cost of an Append does not grow with the journal behind it.
//
// Checkpoints. Signed checkpoints of a zone's tree (proof/checkpoint.h) are kept with the journal,
// so that `prove` and the proof routes default to the latest one's size. They are notes signed
// elsewhere; the store keeps them (deduplicated by zone, size and note) and returns the latest, the
// largest size (the newest of that size). WriteCheckpoint may run on any thread, concurrently with
// Append; it is durable when it returns Ok.
//
// Snapshots. A snapshot is the engine state of one zone at a seq (engine/snapshot.h), stored as an
// opaque byte string that carries its own checksums; the store only keeps, lists and deletes them.
// WriteSnapshot may run on any thread, concurrently with Append, and is durable when it returns Ok
// (a torn or half-written snapshot is never listed). Startup trusts no snapshot: it checks it
// against the journal (zone_set.h) and falls back to an older one or a full replay.
//
// Failure is sticky: once an Append fails, every later Append fails until the store is reopened,
// because after a failed commit (or fsync) the state on disk can no longer be trusted to match what
// the process believes. Reads go on.
//
// Implementations: SqliteStore (the default, sqlite_store.h), JournalStore (one zone's JSON Lines
// journal file, journal_store.h) and MemoryStore (tests, and a template for other backends). The
// conformance suite (store_conformance_test.cc) runs against each.
// Thread-safety: every method may be called from any thread; Append calls are serialised by the
// caller (one writer per database), reads run concurrently with them and see committed data only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"
#include "journal/entry.h"

namespace twoline::store {

// The most rows one read returns; callers page with offset or from.
inline constexpr size_t kReadRowsMax = 10000;

// What the store holds about one zone's chain.
struct ZoneRecord {
  std::string zone;
  uint64_t entries = 0;         // the seq of the last entry
  Hash256 head{};               // the hash of the last entry
  uint64_t read_model_seq = 0;  // read models reflect entries 1..read_model_seq
};

// The most leaf hashes one ReadLeafHashes returns (32 MiB).
inline constexpr size_t kLeafHashesMax = size_t{1} << 20;

// One journal entry as stored.
struct EntryRecord {
  std::string zone;
  uint64_t seq = 0;
  std::string command_id;  // empty for profile entries
  Hash256 hash{};
  std::string line;  // the entry's JSON line, without the trailing '\n' (see `unrendered`)
  // The entry's RFC 9162 leaf hash: set by the writer on Append; on reads, the stored one (for rows
  // written before leaf hashes were stored, computed from the line). Replay checks it.
  Hash256 leaf_hash{};
  // False only on a scan that has no stored leaf hash to give (a journal file read for an audit,
  // which trusts no derived file): leaf_hash is then unset, and replay computes it from the line.
  bool leaf_hash_known = true;
  // The entry itself, when the deciding thread left its line to be rendered by the thread that
  // appends it (RenderLines; the committer's), so that rendering does not delay the next decision.
  // Every Store::Append renders such lines first; a store holds and returns lines only.
  std::optional<journal::Entry> unrendered{};
};

// A signed checkpoint of the tree of a zone's first `size` entries.
struct CheckpointRecord {
  std::string zone;
  uint64_t size = 0;
  std::string note;       // the signed note (proof/checkpoint.h), as handed out
  std::string signed_at;  // RFC 3339 UTC
};

struct PresenceRow {
  std::string person;
  std::string entered_at;  // RFC 3339 at the zone's offset
  std::string gate;
};

// One row of a generic read model: a record of some `kind` ("declaration", "lot", "flow",
// "crossing", "person", ...), unique by (zone, kind, key). `owner` (a party or person) and `state`
// are indexed for lists; `json` is the record as the API shows it. Rows are listed in key order, so
// keys that must sort by number are zero-padded (read_models.h has the key formats).
struct ViewRow {
  std::string kind;
  std::string key;
  std::string owner;
  std::string state;
  std::string json;
  bool erase = false;  // in ReadModelChanges: delete the row instead of upserting it
};

// Which rows of a kind to list; empty members match everything.
struct ViewFilter {
  std::string owner;
  std::string state;
  bool descending = false;  // newest (largest key) first
  std::string key_min, key_max;  // keys in [key_min, key_max]; empty: unbounded on that side
  // The count from the rows themselves, not from counts a store keeps beside them (verify: the
  // two must agree).
  bool count_rows = false;
};

struct ViewPage {
  int64_t count = 0;  // rows matching the filter in all
  std::vector<ViewRow> rows;
};

// The generic read models of one zone as of one commit, for a read that takes several steps (a
// trace followed lot by lot, a report from several kinds): every call sees the same committed state,
// whatever is appended meanwhile. Valid only inside the Store::ReadViews call that provides it.
class ViewReader {
 public:
  virtual ~ViewReader() = default;
  // The rows of `kind` among `keys` (at most kReadRowsMax keys) that exist, in key order.
  virtual Result<std::vector<ViewRow>> Read(const std::string& kind,
                                            const std::vector<std::string>& keys) = 0;
  // The rows of `kind` with first <= key <= last, in key order (at most kReadRowsMax): one seek
  // for keys the caller knows to be adjacent, e.g. lots created together.
  virtual Result<std::vector<ViewRow>> ReadRange(const std::string& kind, const std::string& first,
                                                 const std::string& last) = 0;
  // As Store::ListViews.
  virtual Result<ViewPage> List(const std::string& kind, const ViewFilter& filter, size_t offset,
                                size_t limit) = 0;
};

struct SnapshotInfo {
  uint64_t seq = 0;    // the snapshot holds the state after entry `seq`
  uint64_t bytes = 0;
};

// Given a snapshot's bytes and what keeps them valid (Store::UseSnapshot).
using SnapshotUse =
    std::function<Status(std::string_view bytes, const std::shared_ptr<const void>& owner)>;

// Read-model changes of one zone, written with the entries that cause them.
struct ReadModelChanges {
  std::string zone;
  uint64_t through_seq = 0;   // read models now reflect entries up to this seq
  bool replace_all = false;   // a rebuild: the zone's rows are deleted first
  // A piece of a larger change written over several appends (store/writer.h): its rows are
  // written but the zone's read-model seq is left as it is until the last piece.
  bool partial = false;
  std::vector<PresenceRow> inside;    // persons now inside (upserted)
  std::vector<std::string> outside;   // persons no longer inside (deleted)
  std::vector<ViewRow> views;         // upserted, or deleted when `erase`
};

struct AppendBatch {
  std::vector<EntryRecord> entries;  // per zone in seq order, continuing the zone's chain
  std::vector<ReadModelChanges> read_models;
  // Append returns once the read models are written too. False: they may be written after it
  // returns (a store that writes them apart from the entries: SqliteStore), never before the
  // entries are durable; a later batch that awaits them awaits these as well.
  bool await_read_models = true;
  bool empty() const { return entries.empty() && read_models.empty(); }
};

// Renders the line of every entry of the batch given `unrendered` (and drops the entry).
void RenderLines(AppendBatch& batch);

struct PresencePage {
  int64_t count = 0;  // persons inside in all
  std::vector<PresenceRow> rows;
};

// An API token; only the SHA-256 of the secret is stored.
struct TokenRecord {
  std::string id;  // public handle, for `token list` and `token revoke`
  Hash256 secret_hash{};
  std::string role;  // officer | declarant | auditor | admin (api/auth.h checks)
  std::string zone;  // empty: every zone
  std::string party;  // declarants only
  std::string created_at;
  std::string revoked_at;  // empty while valid
};

class Store {
 public:
  virtual ~Store() = default;

  // Appends atomically and durably (see the header comment). Sticky on failure. Taken by value: a
  // store may keep what it writes later (SqliteStore's read models), and callers move.
  virtual Status Append(AppendBatch batch) = 0;
  // A fault found when opening that the store let pass so that what precedes it can be audited
  // (a journal file's torn last line, JournalStoreOptions::open_torn); Ok otherwise.
  virtual Status TornTail() const { return Status::Ok(); }
  // True once an Append has failed.
  virtual bool failed() const = 0;
  // Runs `then` once the read models of every batch appended so far are written, with their
  // status: at once for a store that writes them with the entries; later, on a thread of the
  // store's, for one that writes them apart (SqliteStore). So an answer can wait for its read
  // models without the next append waiting too.
  virtual void AfterReadModels(std::function<void(const Status&)> then) { then(Status::Ok()); }
  // Appended batches whose read models are not written yet (0 for a store that writes them with
  // the entries).
  virtual size_t ReadModelsBacklog() const { return 0; }
  // False when the store would ignore read-model changes for `zone` (a journal file whose read models
  // are not built in this process): the writer then skips computing them.
  virtual bool WantsReadModels(const std::string& zone) {
    (void)zone;
    return true;
  }

  // Every zone with at least one entry, sorted by zone id.
  virtual Result<std::vector<ZoneRecord>> Zones() = 0;
  // Entries of `zone` with from_seq <= seq, in seq order, at most `limit` (<= kReadRowsMax).
  virtual Result<std::vector<EntryRecord>> ReadEntries(const std::string& zone, uint64_t from_seq,
                                                       size_t limit) = 0;
  // Calls `each` for every entry of `zone` with from_seq <= seq <= through_seq, in seq order, in one
  // consistent read; stops at the first error `each` returns. Readers bound the scan by the zone
  // record they read, so that entries a live writer appends meanwhile are not half-seen. The record
  // handed to `each` is the scan's own: `each` may move its line or fields out.
  virtual Status ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                             const std::function<Status(EntryRecord&)>& each) = 0;
  // The leaf hashes of entries from_seq, from_seq + 1, … of `zone`, at most `limit`
  // (<= kLeafHashesMax), fewer only at the end of the journal.
  virtual Result<std::vector<Hash256>> ReadLeafHashes(const std::string& zone, uint64_t from_seq,
                                                      size_t limit) = 0;

  // Checkpoints (see the header comment).
  virtual Status WriteCheckpoint(const CheckpointRecord& checkpoint) = 0;
  virtual Result<std::optional<CheckpointRecord>> LatestCheckpoint(const std::string& zone) = 0;

  // Read models. Persons sorted by id.
  virtual Result<PresencePage> ReadPresence(const std::string& zone, size_t offset,
                                            size_t limit) = 0;
  // One person's presence row; nullopt while the person is not inside.
  virtual Result<std::optional<PresenceRow>> ReadPresenceOf(const std::string& zone,
                                                            const std::string& person) = 0;

  // Generic read models (ViewRow). ListViews pages rows of one kind in key order (descending when
  // the filter says so), at most `limit` (<= kReadRowsMax), count and rows from one consistent read.
  virtual Result<std::optional<ViewRow>> ReadView(const std::string& zone, const std::string& kind,
                                                  const std::string& key) = 0;
  virtual Result<ViewPage> ListViews(const std::string& zone, const std::string& kind,
                                     const ViewFilter& filter, size_t offset, size_t limit) = 0;
  // Runs `read` with a ViewReader over one consistent state of the zone's generic read models, and
  // returns what it returns. It never waits for an Append in progress on the database backends
  // (SQLite and PostgreSQL read a snapshot); the in-memory ones hold their lock while `read` runs,
  // so `read` should read what it needs and return. `read` may run more than once (PostgreSQL
  // runs it again on a new connection when the old one was lost): it must start afresh each time.
  virtual Status ReadViews(const std::string& zone,
                           const std::function<Status(ViewReader&)>& read) = 0;

  // Snapshots of a zone's engine state (see the header comment). Listed newest first.
  virtual Status WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) = 0;
  virtual Result<std::vector<SnapshotInfo>> ListSnapshots(const std::string& zone) = 0;
  virtual Result<std::string> ReadSnapshot(const std::string& zone, uint64_t seq) = 0;
  // Calls `use` with the bytes of a snapshot and, when keeping them costs nothing, their owner,
  // which keeps them valid as long as a copy of it lives (a restored engine keeps its
  // declarations' bytes: engine/goods_state.h); what `use` returns, or why the snapshot could not
  // be read. By default ReadSnapshot's bytes, valid during the call only (no owner: an engine
  // copies the part it keeps, and the whole snapshot is freed after the load); a store whose
  // snapshots are files maps the file instead of copying hundreds of megabytes into memory, and
  // the mapping is the owner (clean file pages, which the system can drop and read again).
  virtual Status UseSnapshot(const std::string& zone, uint64_t seq, const SnapshotUse& use) {
    auto bytes = ReadSnapshot(zone, seq);
    if (!bytes) return Error{bytes.error().message};
    return use(*bytes, nullptr);
  }
  virtual Status DeleteSnapshot(const std::string& zone, uint64_t seq) = 0;
  // A snapshot written in two steps, for the forked process that encodes it (store/snapshotter.h),
  // so that its bytes never pass through this process: StageSnapshot writes them durably where the
  // store does not list them, touching nothing but the file system (no lock of the store, no
  // thread: it runs in a child of fork); then, in the store's own process, PublishSnapshot makes
  // them the snapshot at `seq` (durable when Ok), or DiscardStagedSnapshot removes them. Only a
  // store whose snapshots are files stages them (StagesSnapshots); the others take the bytes
  // through WriteSnapshot.
  virtual bool StagesSnapshots() const { return false; }
  virtual Status StageSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) {
    (void)zone, (void)seq, (void)bytes;
    return Error{"this store does not stage snapshots"};
  }
  virtual Status PublishSnapshot(const std::string& zone, uint64_t seq) {
    (void)zone, (void)seq;
    return Error{"this store does not stage snapshots"};
  }
  virtual void DiscardStagedSnapshot(const std::string& zone, uint64_t seq) { (void)zone, (void)seq; }

  // Tokens. Ids and secret hashes are unique.
  virtual Status CreateToken(const TokenRecord& token) = 0;
  virtual Result<std::vector<TokenRecord>> ListTokens() = 0;
  // False when no token has that id (or it was already revoked).
  virtual Result<bool> RevokeToken(const std::string& id, const std::string& revoked_at) = 0;
};

}  // namespace twoline::store
