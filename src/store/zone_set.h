// ZoneSet: the live zones of one database — for each zone its Chain (engine + hash-chain head) and
// its ReadModelTracker — loaded from a Store by replaying and verifying every entry.
//
// Load starts each zone from its newest valid snapshot (store.h, journal/snapshot.h) and replays only
// the entries after it. A snapshot is never trusted: one that is torn, corrupt, whose restored state
// does not have its recorded state hash, or whose head differs from the journal's entry at its seq is
// skipped with a warning, and the next older one (or a full replay) is used instead.
//
// Load refuses a database whose journal does not verify, naming the zone and the first bad seq:
// an entry that does not parse or is not canonical, whose seq, zone, hash or leaf hash columns
// disagree with its line, whose previous hash or own hash is wrong, or whose command the engine decides differently on
// replay. It then checks that the chain head it computed equals the zone record (entries and head
// hash), and — when allowed to write — rebuilds read models that lag the journal (read_model_seq <
// entries), in one transaction per zone.
// Thread-safety: none; a ZoneSet belongs to the single writer thread (or to a one-shot CLI command).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "journal/chain.h"
#include "store/read_models.h"
#include "store/store.h"

namespace twoline::store {

struct Zone {
  journal::Chain chain;
  ReadModelTracker tracker;
};

struct LoadOptions {
  bool use_snapshots = true;  // false: replay every zone from its first entry (the audit)
  // Told why a snapshot was skipped (for the operator's log). Null: not told.
  std::function<void(const std::string& warning)> warn;
  // A rebuild of read models writes the crossings replayed so far once it holds this many: they are
  // history the engine does not keep, and held to the end they took memory in proportion to every
  // crossing ever made (3.5 GB at the peak of a rebuild of 30 simulated days).
  size_t rebuild_crossings_piece = 65536;
};

// How a zone was loaded (for logs, `verify --from-snapshot` and tests).
struct LoadReport {
  std::string zone;
  uint64_t snapshot_seq = 0;  // 0: replayed from the first entry
  uint64_t replayed = 0;      // entries replayed after the snapshot
  // Snapshots tried and not used (torn, corrupt, of another history, beyond the journal): the next
  // snapshot is due counting from the newest one not among them (`run`, cli/store_commands.cc).
  std::vector<uint64_t> snapshots_ignored;
};

class ZoneSet {
 public:
  // `rebuild_read_models`: repair lagging read models (false for read-only uses such as verify,
  // which report the lag instead). `rebuilt` (optional) receives the zones whose read models were
  // rebuilt or, when not rebuilding, found lagging.
  static Result<std::unique_ptr<ZoneSet>> Load(Store& store, bool rebuild_read_models,
                                               std::vector<std::string>* rebuilt,
                                               const LoadOptions& options = {},
                                               std::vector<LoadReport>* reports = nullptr);

  Zone* Find(std::string_view id);
  const Zone* Find(std::string_view id) const;
  // Adds an empty zone (its first entry will put a profile in force). CHECKs it is new.
  Zone& Create(const std::string& id);
  // Zone ids, sorted.
  std::vector<std::string> ids() const;
  size_t size() const { return zones_.size(); }

 private:
  std::map<std::string, std::unique_ptr<Zone>, std::less<>> zones_;
};

// Replays one zone's stored entries into `zone` (which must be empty), verifying each; errors start
// with "zone <id>: seq <n>: ". Used by Load and by `verify --db`.
Status ReplayZone(Store& store, const ZoneRecord& record, Zone* zone);
// Replays the entries after the zone's current seq up to the zone record, verifying each, and checks
// the head against the record.
// `after_each` (optional) runs after each entry is replayed; its failure stops the replay.
Status ReplayTail(Store& store, const ZoneRecord& record, Zone* zone,
                  const std::function<Status()>& after_each = nullptr);
// Restores `zone` (empty) from the newest snapshot that checks out against the journal, trying older
// ones after a failure (each reported to `warn`), among those at or before `max_seq`. Returns the
// snapshot's seq, 0 when none was usable. With `check_encoding`, a snapshot is also written again
// from the restored state and compared byte for byte (journal::LoadSnapshot; `verify
// --from-snapshot`). `ignored` (optional) receives the seqs of the snapshots tried and not used.
uint64_t RestoreNewestSnapshot(Store& store, const ZoneRecord& record, Zone* zone,
                               const std::function<void(const std::string&)>& warn,
                               uint64_t max_seq = UINT64_MAX, bool check_encoding = false,
                               std::vector<uint64_t>* ignored = nullptr);

}  // namespace twoline::store
