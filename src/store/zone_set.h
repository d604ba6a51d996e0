// ZoneSet: the live zones of one database — for each zone its Chain (engine + hash-chain head) and
// its ReadModelTracker — loaded from a Store by replaying and verifying every entry.
//
// Load refuses a database whose journal does not verify, naming the zone and the first bad seq:
// an entry that does not parse or is not canonical, whose seq, zone or hash columns disagree with its
// line, whose previous hash or own hash is wrong, or whose command the engine decides differently on
// replay. It then checks that the chain head it computed equals the zone record (entries and head
// hash), and — when allowed to write — rebuilds read models that lag the journal (read_model_seq <
// entries), in one transaction per zone.
// Thread-safety: none; a ZoneSet belongs to the single writer thread (or to a one-shot CLI command).
#pragma once

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

class ZoneSet {
 public:
  // `rebuild_read_models`: repair lagging read models (false for read-only uses such as verify,
  // which report the lag instead). `rebuilt` (optional) receives the zones whose read models were
  // rebuilt or, when not rebuilding, found lagging.
  static Result<std::unique_ptr<ZoneSet>> Load(Store& store, bool rebuild_read_models,
                                               std::vector<std::string>* rebuilt);

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

}  // namespace twoline::store
