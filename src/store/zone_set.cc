#include "store/zone_set.h"

#include <thread>

#include "base/batch_queue.h"
#include "base/check.h"
#include "journal/snapshot.h"

namespace twoline::store {

Status ReplayZone(Store& store, const ZoneRecord& record, Zone* zone) {
  CHECK(zone->chain.entries() == 0);
  return ReplayTail(store, record, zone);
}

uint64_t RestoreNewestSnapshot(Store& store, const ZoneRecord& record, Zone* zone,
                               const std::function<void(const std::string&)>& warn,
                               uint64_t max_seq, bool check_encoding,
                               std::vector<uint64_t>* ignored) {
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
    if (info.seq > max_seq) continue;
    // The snapshot is not used: said, and reported to the caller.
    auto ignore = [&](const std::string& why) {
      say("snapshot at seq " + std::to_string(info.seq) + " ignored: " + why);
      if (ignored != nullptr) ignored->push_back(info.seq);
    };
    if (info.seq > record.entries) {
      ignore("the journal ends at seq " + std::to_string(record.entries));
      continue;
    }
    journal::SnapshotHeader header;
    Status loaded = store.UseSnapshot(
        record.zone, info.seq,
        [&](std::string_view bytes, const std::shared_ptr<const void>& owner) {
          return journal::LoadSnapshot(bytes, &zone->chain, &header, check_encoding, owner);
        });
    if (!loaded) {
      ignore(loaded.message());
      continue;
    }
    auto fail = [&](const std::string& why) {
      zone->chain = journal::Chain();
      ignore(why);
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

namespace {

// One stored entry made ready for replay off the replaying thread: framed, parsed and hashed.
struct PreparedEntry {
  EntryRecord stored;
  std::string error;  // the framing is wrong: replay stops here with this message
  journal::Entry entry;
  bool parsed = false;  // a command entry whose command parsed (else Replay parses and names why)
  engine::Command command;
  journal::EntryHashes hashes;
};

std::string SeqPrefix(uint64_t seq) { return "seq " + std::to_string(seq) + ": "; }

void Prepare(PreparedEntry* item) {
  auto entry = journal::EntryForReplay(item->stored.line);
  if (!entry) {
    item->error = entry.error().message;
    return;
  }
  item->entry = std::move(*entry);
  if (item->entry.kind != journal::EntryKind::kCommand) return;
  engine::ParseFailure failure;
  engine::Limits limits;
  limits.command_bytes_max = 1 << 30;  // what was accepted once is replayed whatever the limits
  item->parsed = engine::ParseCommand(item->entry.command, limits, &item->command, &failure);
  if (item->parsed) item->hashes = journal::HashEntry(item->entry);
}

using PreparedQueue = BatchQueue<PreparedEntry>;

constexpr size_t kPreparedBatch = 512;
// Threads preparing entries for the replaying one: preparing (framing, parsing, hashing) costs
// more than replaying, so one preparer held the replay back (perf of `verify` on a record day).
constexpr size_t kPreparers = 2;
// Below this many entries the tail is replayed on the calling thread alone.
constexpr uint64_t kPipelinedTailMin = 4096;

}  // namespace

// Several threads when the tail is long: one reads the entries, kPreparers check their framing,
// parse their commands and hash them; the calling thread replays them in order (decides, compares,
// applies). Every check and every message is the same as on one thread, and the first bad seq stops
// them all.
Status ReplayTail(Store& store, const ZoneRecord& record, Zone* zone,
                  const std::function<Status()>& after_each) {
  const std::string prefix = "zone " + record.zone + ": ";
  engine::Command parsed;
  auto replay = [&](PreparedEntry& item) -> Status {
    const EntryRecord& stored = item.stored;
    auto at = [&] { return SeqPrefix(zone->chain.entries() + 1); };
    if (!item.error.empty()) return Error{at() + item.error};
    const journal::Entry& entry = item.entry;
    if (entry.seq != stored.seq) {
      return Error{at() + "the stored row says seq " + std::to_string(stored.seq) +
                   " but its entry says " + std::to_string(entry.seq)};
    }
    if (entry.zone != record.zone) return Error{at() + "entry of zone \"" + entry.zone + "\""};
    if (entry.hash != stored.hash) return Error{at() + "the stored hash column differs from the entry"};
    const engine::Command* command = &parsed;
    if (item.parsed) {
      if (Status replayed = zone->chain.Replay(entry, item.command, item.hashes); !replayed) return replayed;
      command = &item.command;
    } else if (Status replayed = zone->chain.Replay(entry, &parsed); !replayed) {
      return replayed;
    }
    if (stored.leaf_hash_known && stored.leaf_hash != zone->chain.last_leaf_hash()) {
      // Replay has advanced the chain: entries() is this entry's seq now.
      return Error{SeqPrefix(zone->chain.entries()) + "the stored leaf hash differs from the entry's"};
    }
    // A zone whose read models nobody reads (an audit of a journal file) tracks nothing.
    if (entry.kind == journal::EntryKind::kCommand && zone->tracker.attached()) {
      zone->tracker.Observe(*command, entry.seq, entry.decision);
    }
    return after_each ? after_each() : Status::Ok();
  };
  const uint64_t first = zone->chain.entries() + 1;
  Status status = Status::Ok();
  if (record.entries < first + kPipelinedTailMin) {
    status = store.ScanEntries(record.zone, first, record.entries, [&](EntryRecord& stored) -> Status {
      PreparedEntry item;
      item.stored = std::move(stored);
      Prepare(&item);
      return replay(item);
    });
  } else {
    // The reader frames nothing: it copies rows into batches and deals them out in turn to
    // kPreparers threads, which prepare them; this thread takes them back in the same turn, so
    // that entries are replayed in order.
    PreparedQueue raw[kPreparers], prepared[kPreparers];
    // Spent batches go back to the reader, which destroys their entries and refills them.
    SpentBatches<PreparedEntry> spent;
    Status read_status = Status::Ok();
    std::thread reader([&] {
      size_t dealt = 0;
      auto batch = spent.Take(kPreparedBatch);
      auto deal = [&] {
        raw[dealt++ % kPreparers].Push(std::move(batch));
        batch = spent.Take(kPreparedBatch);
      };
      read_status = store.ScanEntries(record.zone, first, record.entries, [&](EntryRecord& stored) -> Status {
        // A replay that stopped closes every queue: looked at once a batch, not once an entry.
        if (batch->empty() && raw[dealt % kPreparers].closed()) return Error{"replay stopped"};
        batch->emplace_back().stored = std::move(stored);
        if (batch->size() == kPreparedBatch) deal();
        return Status::Ok();
      });
      if (!batch->empty()) deal();
      for (PreparedQueue& queue : raw) queue.Push(nullptr);  // each preparer ends, passing it on
    });
    std::vector<std::thread> preparers;
    for (size_t k = 0; k < kPreparers; ++k) {
      preparers.emplace_back([&, k] {
        while (std::unique_ptr<PreparedQueue::Batch> batch = raw[k].Pop()) {
          for (PreparedEntry& item : *batch) Prepare(&item);
          prepared[k].Push(std::move(batch));
        }
        prepared[k].Push(nullptr);
      });
    }
    for (size_t taken = 0;; ++taken) {
      std::unique_ptr<PreparedQueue::Batch> batch = prepared[taken % kPreparers].Pop();
      if (!batch) break;
      for (PreparedEntry& item : *batch) {
        status = replay(item);
        if (!status) break;
      }
      if (!status) break;
      spent.Put(std::move(batch));
    }
    for (size_t k = 0; k < kPreparers; ++k) {
      raw[k].Close();
      prepared[k].Close();
    }
    reader.join();
    for (std::thread& preparer : preparers) preparer.join();
    // A read error ends the stream early: the entries before it were replayed, the rest is missing.
    if (status && !read_status) status = read_status;
  }
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
    // Read models behind the journal (a crash while a batch had left them to a later one,
    // store/writer.h) are brought up to date from the journal: from a snapshot no newer than they
    // are, the entries up to where they stopped are replayed, then the stored day totals are
    // read, then the rest is replayed, and every row those entries touched is written again. With
    // none built yet, everything is replayed and rebuilt.
    const uint64_t read_model_seq = record.read_model_seq;
    const bool lagging = read_model_seq != record.entries;
    const bool catch_up = lagging && rebuild_read_models;
    if (options.use_snapshots) {
      report.snapshot_seq =
          RestoreNewestSnapshot(store, record, &zone, options.warn,
                                catch_up ? read_model_seq : UINT64_MAX, /*check_encoding=*/false,
                                &report.snapshots_ignored);
    }
    if (catch_up && read_model_seq > 0 && read_model_seq < record.entries) {
      auto last = store.ReadEntries(record.zone, read_model_seq, 1);
      if (!last) return Error{"zone " + record.zone + ": " + last.error().message};
      if (last->empty() || last->front().seq != read_model_seq) {
        return Error{"zone " + record.zone + ": entry " + std::to_string(read_model_seq) + " missing"};
      }
      ZoneRecord through = record;
      through.entries = read_model_seq;
      through.head = last->front().hash;
      if (Status status = ReplayTail(store, through, &zone); !status) return Error{status.message()};
      zone.tracker.ForgetTotalsPending();  // the stored totals hold them
      if (Status status = zone.tracker.LoadTotals(store, record.zone); !status) {
        return Error{status.message()};
      }
    }
    // A whole rebuild clears the zone's read models first and writes the crossings in pieces as
    // the replay goes (LoadOptions::rebuild_crossings_piece).
    const bool whole = read_model_seq == 0 || read_model_seq > record.entries;
    const bool in_pieces = catch_up && whole && record.entries > zone.chain.entries();
    // Partial read models of the zone (its seq not advanced): the clearing, then each piece.
    auto append_partial = [&](bool clear, std::vector<ViewRow> views) -> Status {
      AppendBatch batch;
      ReadModelChanges& changes = batch.read_models.emplace_back();
      changes.zone = record.zone;
      changes.replace_all = clear;
      changes.partial = true;
      changes.views = std::move(views);
      return store.Append(std::move(batch));  // awaited: one piece held at a time
    };
    std::function<Status()> write_crossings;
    if (in_pieces) {
      if (Status status = append_partial(/*clear=*/true, {}); !status) {
        return Error{"zone " + record.zone + ": rebuilding read models: " + status.message()};
      }
      write_crossings = [&]() -> Status {
        if (zone.tracker.crossings_held() < options.rebuild_crossings_piece) return Status::Ok();
        return append_partial(/*clear=*/false, zone.tracker.TakeCrossings());
      };
    }
    if (Status status = ReplayTail(store, record, &zone, write_crossings); !status) {
      return Error{status.message()};
    }
    report.replayed = record.entries - report.snapshot_seq;
    if (reports != nullptr) reports->push_back(report);
    if (!lagging) {
      zone.tracker.ClearTouched();
      // Writes may follow: the day totals continue from what is stored.
      if (Status status = zone.tracker.LoadTotals(store, record.zone); !status) {
        return Error{status.message()};
      }
      continue;
    }
    if (rebuilt != nullptr) rebuilt->push_back(record.zone);
    if (!catch_up || !zone.chain.engine().has_profile()) {
      zone.tracker.ClearTouched();
      continue;
    }
    AppendBatch batch;
    batch.read_models.push_back(
        zone.tracker.Take(zone.chain.engine(), zone.chain.entries(), /*replace_all=*/whole));
    if (in_pieces) batch.read_models.back().replace_all = false;  // cleared before the replay
    if (Status status = store.Append(std::move(batch)); !status) {
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
