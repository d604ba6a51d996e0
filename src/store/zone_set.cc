#include "store/zone_set.h"

#include "base/check.h"
#include "journal/snapshot.h"

namespace twoline::store {

Status ReplayZone(Store& store, const ZoneRecord& record, Zone* zone) {
  CHECK(zone->chain.entries() == 0);
  return ReplayTail(store, record, zone);
}

uint64_t RestoreNewestSnapshot(Store& store, const ZoneRecord& record, Zone* zone,
                               const std::function<void(const std::string&)>& warn) {
  CHECK(zone->chain.entries() == 0);
  auto say = [&](const std::string& text) {
    if (warn) warn("zone " + record.zone + ": " + text);
  };
  auto snapshots = store.ListSnapshots(record.zone);
  if (!snapshots) {
    say("snapshots not listed (" + snapshots.error().message + "); replaying from the first entry");
    return 0;
  }
  for (const SnapshotInfo& info : *snapshots) {
    const std::string name = "snapshot at seq " + std::to_string(info.seq);
    if (info.seq > record.entries) {
      say(name + " ignored: the journal ends at seq " + std::to_string(record.entries));
      continue;
    }
    auto bytes = store.ReadSnapshot(record.zone, info.seq);
    if (!bytes) {
      say(name + " ignored: " + bytes.error().message);
      continue;
    }
    journal::SnapshotHeader header;
    if (Status status = journal::LoadSnapshot(*bytes, &zone->chain, &header); !status) {
      say(name + " ignored: " + status.message());
      continue;
    }
    auto fail = [&](const std::string& why) {
      zone->chain = journal::Chain();
      say(name + " ignored: " + why);
    };
    if (header.seq != info.seq || header.zone != record.zone) {
      fail("it holds zone " + header.zone + " at seq " + std::to_string(header.seq));
      continue;
    }
    auto entry = store.ReadEntries(record.zone, header.seq, 1);
    if (!entry || entry->empty() || entry->front().seq != header.seq) {
      fail("entry " + std::to_string(header.seq) + " cannot be read");
      continue;
    }
    if (entry->front().hash != header.head) {
      fail("its head differs from the journal's entry " + std::to_string(header.seq) +
           " (a snapshot of another history)");
      continue;
    }
    return header.seq;
  }
  return 0;
}

Status ReplayTail(Store& store, const ZoneRecord& record, Zone* zone) {
  const std::string prefix = "zone " + record.zone + ": ";
  engine::Command parsed;
  Status status = store.ScanEntries(record.zone, zone->chain.entries() + 1, record.entries, [&](const EntryRecord& stored) -> Status {
    auto at = [&] { return "seq " + std::to_string(zone->chain.entries() + 1) + ": "; };
    auto entry = journal::EntryForReplay(stored.line);
    if (!entry) return Error{at() + entry.error().message};
    if (entry->seq != stored.seq) {
      return Error{at() + "the stored row says seq " + std::to_string(stored.seq) +
                   " but its entry says " + std::to_string(entry->seq)};
    }
    if (entry->zone != record.zone) return Error{at() + "entry of zone \"" + entry->zone + "\""};
    if (entry->hash != stored.hash) return Error{at() + "the stored hash column differs from the entry"};
    if (Status replayed = zone->chain.Replay(*entry, &parsed); !replayed) return replayed;
    if (stored.leaf_hash_known && stored.leaf_hash != zone->chain.last_leaf_hash()) {
      // Replay has advanced the chain: entries() is this entry's seq now.
      return Error{"seq " + std::to_string(zone->chain.entries()) +
                   ": the stored leaf hash differs from the entry's"};
    }
    // A zone whose read models nobody reads (an audit of a journal file) tracks nothing.
    if (entry->kind == journal::EntryKind::kCommand && zone->tracker.attached()) {
      zone->tracker.Observe(parsed, entry->seq, entry->decision);
    }
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
                                               std::vector<std::string>* rebuilt,
                                               const LoadOptions& options,
                                               std::vector<LoadReport>* reports) {
  auto records = store.Zones();
  if (!records) return records.error();
  auto zones = std::make_unique<ZoneSet>();
  for (const ZoneRecord& record : *records) {
    Zone& zone = zones->Create(record.zone);
    LoadReport report;
    report.zone = record.zone;
    if (options.use_snapshots) {
      report.snapshot_seq = RestoreNewestSnapshot(store, record, &zone, options.warn);
    }
    if (Status status = ReplayTail(store, record, &zone); !status) return Error{status.message()};
    report.replayed = record.entries - report.snapshot_seq;
    if (reports != nullptr) reports->push_back(report);
    bool lagging = record.read_model_seq != record.entries;
    if (!lagging) {
      zone.tracker.ClearTouched();
      // Writes may follow: the day totals continue from what is stored.
      if (Status status = zone.tracker.LoadTotals(store, record.zone); !status) {
        return Error{status.message()};
      }
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
  it->second->tracker.Attach(&it->second->chain.engine());
  return *it->second;
}

std::vector<std::string> ZoneSet::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, zone] : zones_) out.push_back(id);
  return out;
}

}  // namespace twoline::store
