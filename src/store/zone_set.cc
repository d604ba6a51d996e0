#include "store/zone_set.h"

#include "base/check.h"

namespace twoline::store {

Status ReplayZone(Store& store, const ZoneRecord& record, Zone* zone) {
  CHECK(zone->chain.entries() == 0);
  const std::string prefix = "zone " + record.zone + ": ";
  Status status = store.ScanEntries(record.zone, 1, record.entries, [&](const EntryRecord& stored) -> Status {
    const std::string at = "seq " + std::to_string(zone->chain.entries() + 1) + ": ";
    auto entry = journal::EntryFromJsonLine(stored.line);
    if (!entry) return Error{at + entry.error().message};
    if (entry->seq != stored.seq) {
      return Error{at + "the stored row says seq " + std::to_string(stored.seq) +
                   " but its entry says " + std::to_string(entry->seq)};
    }
    if (entry->zone != record.zone) return Error{at + "entry of zone \"" + entry->zone + "\""};
    if (entry->hash != stored.hash) return Error{at + "the stored hash column differs from the entry"};
    if (Status replayed = zone->chain.Replay(*entry); !replayed) return replayed;
    if (entry->kind == journal::EntryKind::kCommand) zone->tracker.Observe(entry->command);
    return Status::Ok();
  });
  if (!status) return Error{prefix + status.message()};
  if (zone->chain.entries() != record.entries) {
    return Error{prefix + "seq " + std::to_string(zone->chain.entries() + 1) +
                 ": entry missing (the zone record says the journal ends at seq " +
                 std::to_string(record.entries) + ")"};
  }
  if (zone->chain.head() != record.head) {
    return Error{prefix + "seq " + std::to_string(record.entries) +
                 ": the chain head differs from the zone record"};
  }
  return Status::Ok();
}

Result<std::unique_ptr<ZoneSet>> ZoneSet::Load(Store& store, bool rebuild_read_models,
                                               std::vector<std::string>* rebuilt) {
  auto records = store.Zones();
  if (!records) return records.error();
  auto zones = std::make_unique<ZoneSet>();
  for (const ZoneRecord& record : *records) {
    Zone& zone = zones->Create(record.zone);
    if (Status status = ReplayZone(store, record, &zone); !status) return Error{status.message()};
    bool lagging = record.read_model_seq != record.entries;
    if (!lagging) {
      zone.tracker.ClearTouched();
      continue;
    }
    if (rebuilt != nullptr) rebuilt->push_back(record.zone);
    if (!rebuild_read_models || !zone.chain.engine().has_profile()) {
      zone.tracker.ClearTouched();
      continue;
    }
    AppendBatch batch;
    batch.read_models.push_back(
        zone.tracker.Take(zone.chain.engine(), zone.chain.entries(), /*replace_all=*/true));
    if (Status status = store.Append(batch); !status) {
      return Error{"zone " + record.zone + ": rebuilding read models: " + status.message()};
    }
  }
  return zones;
}

Zone* ZoneSet::Find(std::string_view id) {
  auto it = zones_.find(id);
  return it == zones_.end() ? nullptr : it->second.get();
}

const Zone* ZoneSet::Find(std::string_view id) const {
  auto it = zones_.find(id);
  return it == zones_.end() ? nullptr : it->second.get();
}

Zone& ZoneSet::Create(const std::string& id) {
  auto [it, inserted] = zones_.emplace(id, std::make_unique<Zone>());
  CHECK(inserted);
  return *it->second;
}

std::vector<std::string> ZoneSet::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, zone] : zones_) out.push_back(id);
  return out;
}

}  // namespace twoline::store
