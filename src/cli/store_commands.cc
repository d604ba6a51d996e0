#include "cli/store_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <libgen.h>
#include <libpq-fe.h>

#include "base/exit_keep.h"
#include "cli/run_input.h"
#include "engine/decision.h"
#include "engine/goods_queries.h"
#include "engine/queries.h"
#include "journal/journal_file.h"
#include "journal/merkle_leaf.h"
#include "store/commit_batch.h"
#include "store/committer.h"
#include "store/goods_reads.h"
#include "journal/snapshot.h"
#include "store/journal_store.h"
#include "store/pg_store.h"
#include "store/snapshotter.h"
#include "store/sqlite_store.h"
#include "store/stored_tree.h"
#include "store/zone_set.h"

namespace twoline::cli {
namespace {

Result<std::unique_ptr<store::SqliteStore>> OpenForReading(const std::string& db_path) {
  store::SqliteOptions options;
  options.read_only = true;
  options.read_connections_max = 2;
  return store::SqliteStore::Open(db_path, options);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The snapshot a run writes at its end, when RunOptions says one is due. It is encoded on a thread
// of its own while the run's last batch is appended — on a database that wait is the writing of
// the last read models, a whole core's work for a few tenths of a second with the other core idle
// (perf of `run --db` on a record day) — and written only once everything before it is durable,
// so that a snapshot is never ahead of the journal or of the read models.
class FinalSnapshot {
 public:
  FinalSnapshot() = default;
  FinalSnapshot(const FinalSnapshot&) = delete;
  FinalSnapshot& operator=(const FinalSnapshot&) = delete;
  ~FinalSnapshot() {
    if (encoder_.joinable()) encoder_.join();
  }

  // Starts encoding the zone's state as it is now, when a snapshot is due; the chain must not
  // change until Finish. Due counts from the newest snapshot but those the start found unusable
  // (`ignored`, LoadReport): a torn one is replaced as soon as a new one is due from the last good.
  Status Start(store::Store& store, const store::Zone& zone, const std::string& zone_id,
               const RunOptions& options, const std::vector<uint64_t>& ignored) {
    if (options.snapshot_every_entries == 0) return Status::Ok();
    auto snapshots = store.ListSnapshots(zone_id);
    if (!snapshots) return Error{snapshots.error().message};
    uint64_t newest = 0;
    for (const store::SnapshotInfo& info : *snapshots) {  // newest first
      if (std::find(ignored.begin(), ignored.end(), info.seq) != ignored.end()) continue;
      newest = info.seq;
      break;
    }
    if (zone.chain.entries() < newest + options.snapshot_every_entries) return Status::Ok();
    seq_ = zone.chain.entries();
    // On one thread: the other core appends the last batch (on a database, writes its read models).
    encoder_ = std::thread([this, &zone] { bytes_ = journal::EncodeSnapshot(zone.chain, 1); });
    return Status::Ok();
  }

  // Once everything the run appended is durable: writes the snapshot, if one was started, and
  // keeps the newest few.
  Status Finish(store::Store& store, const std::string& zone_id, const RunOptions& options) {
    if (!encoder_.joinable()) return Status::Ok();
    encoder_.join();
    if (Status status = store.WriteSnapshot(zone_id, seq_, bytes_); !status) return status;
    // The snapshot just written was synced and renamed into place: pruning reads only older ones.
    return store::PruneSnapshots(store, zone_id, options.snapshots_kept, seq_);
  }

 private:
  std::thread encoder_;
  uint64_t seq_ = 0;
  std::string bytes_;
};

Result<std::unique_ptr<store::SqliteStore>> OpenForWriting(const std::string& db_path) {
  store::SqliteOptions options;
  options.read_connections_max = 2;
  return store::SqliteStore::Open(db_path, options);
}

// The zone record a command works on: the named zone, or the only zone of the database.
Result<store::ZoneRecord> PickZone(store::Store& store, const std::string& zone) {
  auto records = store.Zones();
  if (!records) return records.error();
  if (zone.empty()) {
    if (records->size() == 1) return records->front();
    if (records->empty()) return Error{"the database holds no zone"};
    std::string names;
    for (const auto& record : *records) names += " " + record.zone;
    return Error{"the database holds several zones; name one with --zone:" + names};
  }
  for (const auto& record : *records) {
    if (record.zone == zone) return record;
  }
  return Error{"the database holds no zone \"" + zone + "\""};
}

// Puts the run's profile in force when the zone is new or a different profile is given.
Status PrepareRunZone(const RunOptions& options, store::ZoneSet& zones, store::CommitBatch& batch) {
  const store::Zone* zone = zones.Find(options.zone);
  bool has_profile = zone != nullptr && zone->chain.engine().has_profile();
  if (has_profile && options.profile_path.empty()) return Status::Ok();
  auto profile = LoadZoneProfile(options.zone, options.profile_path);
  if (!profile) return profile.error();
  if (!has_profile || ProfileChanged(zone->chain.engine().profile(), **profile)) {
    batch.PutProfileInForce(*profile);
  }
  return Status::Ok();
}

void WriteLines(const std::vector<std::string>& lines, std::ostream& out) {
  std::string text;
  for (const std::string& line : lines) {
    text += line;
    text += '\n';
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
}

// The group commits of a run, pipelined: while one batch is appended and fsync'd on the committer
// thread, the next is decided. A batch's decisions are written only once its append has succeeded.
class RunPipeline {
 public:
  RunPipeline(store::CommitBatch& batch, store::Store& store, std::ostream& out,
              size_t read_models_every)
      : batch_(batch), committer_(store), out_(out), read_models_every_(read_models_every) {}

  // Ends the current batch: waits for the previous one to be durable, writes its decisions, and
  // starts appending this one. The read models touched since the last take go with it when a
  // stretch of `read_models_every` commands is complete, or with the `last` batch.
  Status Flush(std::vector<std::string>& outputs, bool last) {
    untaken_commands_ += outputs.size();
    const bool take = last || untaken_commands_ >= read_models_every_;
    if (take) untaken_commands_ = 0;
    store::AppendBatch sealed = batch_.Seal(take);
    // A stretch's read models may be written while the next batches are decided (a store that
    // writes them apart, SqliteStore); the last batch's, and so all before them, are written
    // before the run ends.
    sealed.await_read_models = last;
    if (Status status = Settle(); !status) return status;
    in_flight_outputs_ = std::move(outputs);
    outputs.clear();
    committer_.Start(std::move(sealed), nullptr);
    in_flight_ = true;
    return Status::Ok();
  }
  // Waits for the batch in flight and writes its decisions.
  Status Settle() {
    if (!in_flight_) return Status::Ok();
    in_flight_ = false;
    if (Status status = committer_.Wait(); !status) return status;
    batch_.Committed();
    WriteLines(in_flight_outputs_, out_);
    return Status::Ok();
  }

 private:
  store::CommitBatch& batch_;
  store::Committer committer_;
  std::ostream& out_;
  const size_t read_models_every_;
  size_t untaken_commands_ = 0;
  bool in_flight_ = false;
  std::vector<std::string> in_flight_outputs_;
};

}  // namespace

std::string StoreLocation::Name() const {
  if (postgres.empty()) return db.empty() ? journal : db;
  // Only host, port and database name: a conninfo may carry a password.
  std::string host, port, name;
  if (PQconninfoOption* options = PQconninfoParse(postgres.c_str(), nullptr)) {
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (option->val == nullptr) continue;
      std::string_view keyword = option->keyword;
      if (keyword == "host") host = option->val;
      if (keyword == "port") port = option->val;
      if (keyword == "dbname") name = option->val;
    }
    PQconninfoFree(options);
  }
  return "postgres://" + (host.empty() ? std::string("localhost") : host) +
         (port.empty() ? "" : ":" + port) + "/" + name;
}

Result<std::unique_ptr<store::Store>> OpenStore(const StoreLocation& location, bool read_only,
                                                bool audit, bool read_models) {
  if (!location.postgres.empty()) {
    store::PgStoreOptions options;
    options.read_only = read_only;
    options.read_connections_max = 2;
    auto store = store::PgStore::Open(location.postgres, options);
    if (!store) return store.error();
    return std::unique_ptr<store::Store>(std::move(*store));
  }
  if (!location.journal.empty()) {
    store::JournalStoreOptions options;
    options.read_only = read_only;
    options.use_index = !audit;  // the audit reads the file itself, not derived data
    options.read_models = read_models;
    options.open_torn = read_only && audit;  // verify checks the entries before a torn end first
    auto store = store::JournalStore::Open(location.journal, options);
    if (!store) return store.error();
    return std::unique_ptr<store::Store>(std::move(*store));
  }
  auto store = read_only ? OpenForReading(location.db) : OpenForWriting(location.db);
  if (!store) return store.error();
  return std::unique_ptr<store::Store>(std::move(*store));
}

Result<std::unique_ptr<store::Store>> OpenExistingStore(const StoreLocation& location, bool audit) {
  if (!location.postgres.empty()) return OpenStore(location, /*read_only=*/false, audit);
  if (!location.journal.empty()) {
    store::JournalStoreOptions options;
    options.create = false;
    options.use_index = !audit;
    auto store = store::JournalStore::Open(location.journal, options);
    if (!store) return store.error();
    return std::unique_ptr<store::Store>(std::move(*store));
  }
  store::SqliteOptions options;
  options.create = false;
  options.read_connections_max = 2;
  auto store = store::SqliteStore::Open(location.db, options);
  if (!store) return store.error();
  return std::unique_ptr<store::Store>(std::move(*store));
}

int RunDb(const RunOptions& options, const std::string& db_path, std::istream& in,
          std::ostream& out, std::ostream& err) {
  StoreLocation location;
  location.db = db_path;
  return RunStore(options, location, in, out, err);
}

int RunStore(const RunOptions& options, const StoreLocation& location, std::istream& in,
             std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& message) {
    err << "twoline run: " << message << "\n";
    return 1;
  };
  if (options.batch_lines_max == 0) return fail("the batch size must be at least 1");
  if (options.read_models_every_commands == 0) {
    return fail("--read-models-every must be at least 1");
  }
  const auto started = std::chrono::steady_clock::now();
  auto store = OpenStore(location, /*read_only=*/false, /*audit=*/false,
                         /*read_models=*/location.journal.empty());
  if (!store) return fail(store.error().message);
  if (!location.journal.empty()) {
    // A journal file holds one zone's chain.
    auto records = (*store)->Zones();
    if (!records) return fail(records.error().message);
    if (!records->empty() && records->front().zone != options.zone) {
      return fail("journal " + location.journal + " is for zone " + records->front().zone +
                  ", not " + options.zone);
    }
  }
  store::LoadOptions load;
  load.warn = [&](const std::string& warning) { err << "twoline run: warning: " << warning << "\n"; };
  std::vector<store::LoadReport> reports;
  // Read models a journal file does not keep need no rebuild for a run (journal_store.h).
  auto zones = store::ZoneSet::Load(**store, /*rebuild_read_models=*/location.journal.empty(),
                                    nullptr, load, &reports);
  if (!zones) return fail(zones.error().message);
  const double startup_seconds = SecondsSince(started);
  const auto deciding = std::chrono::steady_clock::now();
  size_t commands = 0;
  store::CommitBatch batch(**zones, **store);
  if (Status status = PrepareRunZone(options, **zones, batch); !status) return fail(status.message());
  RunPipeline pipeline(batch, **store, out, options.read_models_every_commands);
  std::vector<std::string> outputs;
  // Lines are read and parsed on a thread of their own, up to a group commit's worth at a time.
  RunInput input(in, options.batch_lines_max);
  while (std::unique_ptr<RunInput::Batch> lines = input.Next()) {
    for (RunLine& line : *lines) {
      ++commands;
      if (!line.parsed) {
        outputs.push_back(std::move(line.malformed));
      } else {
        auto answer = batch.Decide(options.zone, line.command);
        if (!answer) return fail(answer.error().message);
        outputs.push_back(std::move(answer->json));
      }
      if (outputs.size() >= options.batch_lines_max) {
        if (Status status = pipeline.Flush(outputs, /*last=*/false); !status) return fail(status.message());
      }
    }
    input.Recycle(std::move(lines));
  }
  if (Status status = pipeline.Flush(outputs, /*last=*/true); !status) return fail(status.message());
  // How the run's zone was loaded (none for a zone the run created).
  store::LoadReport loaded;
  for (const store::LoadReport& report : reports) {
    if (report.zone == options.zone) loaded = report;
  }
  // The zone's state is final: its snapshot is encoded while the last batch is appended.
  FinalSnapshot snapshot;
  const store::Zone* zone = (*zones)->Find(options.zone);
  if (zone != nullptr) {
    if (Status status =
            snapshot.Start(**store, *zone, options.zone, options, loaded.snapshots_ignored);
        !status) {
      // The run's decisions are durable; a missing snapshot only makes the next start slower.
      err << "twoline run: warning: snapshot not written: " << status.message() << "\n";
    }
  }
  if (Status status = pipeline.Settle(); !status) return fail(status.message());
  out.flush();
  if (!out) {
    // Every decision is durable, but the caller did not get them all: not a success. Running the
    // same input again answers every command with its original decision.
    return fail("the decisions could not all be written to the output (they are durable: run the "
                "same input again to get them)");
  }
  const double deciding_seconds = SecondsSince(deciding);
  const auto snapshotting = std::chrono::steady_clock::now();
  if (Status status = snapshot.Finish(**store, options.zone, options); !status) {
    err << "twoline run: warning: snapshot not written: " << status.message() << "\n";
  }
  if (options.stats) {
    err << "twoline run: stats: startup " << startup_seconds << " s (snapshot at seq "
        << loaded.snapshot_seq << ", " << loaded.replayed << " entries replayed); " << commands
        << " commands decided and durable in " << deciding_seconds << " s ("
        << static_cast<uint64_t>(commands / std::max(deciding_seconds, 1e-9))
        << "/s); snapshot " << SecondsSince(snapshotting) << " s\n";
  }
  KeepUntilExit(std::move(*zones));  // the process ends next: the kernel frees the state whole
  return 0;
}

namespace {

// The crossing views of a zone verified from the snapshot at `snapshot_seq`: the stored rows of the
// entries after it number `replayed` (the rows the replay made, each checked already), and the
// counts kept beside the rows, by outcome too, are the rows' own.
Status CheckCrossingsAfterSnapshot(store::ViewReader& reader, size_t replayed,
                                   uint64_t snapshot_seq) {
  store::ViewFilter after;
  after.key_min = store::SeqKey(snapshot_seq + 1);
  after.count_rows = true;
  auto listed = reader.List("crossing", after, 0, 0);
  if (!listed) return listed.error();
  if (static_cast<size_t>(listed->count) != replayed) {
    return Error{"the crossing views after the snapshot at seq " + std::to_string(snapshot_seq) +
                 " number " + std::to_string(listed->count) +
                 "; a replay of the entries after it has " + std::to_string(replayed)};
  }
  // A crossing's state is its outcome; "" is every row.
  std::vector<std::string> states = {""};
  for (engine::Outcome outcome : {engine::Outcome::kAccepted, engine::Outcome::kRejected,
                                  engine::Outcome::kHeld, engine::Outcome::kReferred}) {
    states.push_back(engine::OutcomeName(outcome));
  }
  for (const std::string& state : states) {
    store::ViewFilter filter;
    filter.state = state;
    auto kept = reader.List("crossing", filter, 0, 0);
    if (!kept) return kept.error();
    filter.count_rows = true;
    auto counted = reader.List("crossing", filter, 0, 0);
    if (!counted) return counted.error();
    if (kept->count != counted->count) {
      return Error{"the count of crossing views" + (state.empty() ? "" : " in state " + state) +
                   " is " + std::to_string(kept->count) + "; the rows number " +
                   std::to_string(counted->count)};
    }
  }
  return Status::Ok();
}

// The rows of one kind of view a rebuild made, counted as they are compared with the stored ones.
struct RowTally {
  void Count(const store::ViewRow& row) {
    ++rows;
    ++by_state[row.state];
  }
  std::vector<store::ViewRow> pending;  // made, not yet compared
  std::map<std::string, int64_t> by_state;
  int64_t rows = 0;
};

// Compares the rows of `kind` a rebuild made with the stored ones, and drops them. Looked up by
// exact keys, not walked in order: a database's collation may order keys otherwise than bytes do.
Status CompareRows(store::ViewReader& reader, const std::string& kind,
                   std::vector<store::ViewRow>& rows) {
  std::vector<std::string> keys;
  keys.reserve(rows.size());
  for (const store::ViewRow& row : rows) keys.push_back(row.key);
  auto stored = reader.Read(kind, keys);
  if (!stored) return stored.error();
  std::unordered_map<std::string_view, const store::ViewRow*> found;
  for (const store::ViewRow& row : *stored) found[row.key] = &row;
  for (const store::ViewRow& want : rows) {
    auto it = found.find(want.key);
    if (it == found.end()) return Error{"the " + kind + " view " + want.key + " is missing"};
    const store::ViewRow& row = *it->second;
    if (row.owner != want.owner || row.state != want.state || row.json != want.json) {
      return Error{"the " + kind + " view " + want.key + " differs from a replay"};
    }
  }
  rows.clear();
  return Status::Ok();
}

// Crossing rows are rows of the journal, one per crossing (read_models.h), not of the state: a
// replay makes them entry by entry, and they would wait for its end (1.2 million rows after 30
// days). Run after each replayed entry, this compares them with the stored ones as soon as
// kReadRowsMax are held, and counts them; the rest are compared with the other kinds. Stored rows
// of a crossing never change, so comparing them in pieces sees what one read would.
class CrossingsAsReplayed {
 public:
  CrossingsAsReplayed(store::Store& store, const std::string& zone_id, store::Zone& zone)
      : store_(store), zone_id_(zone_id), zone_(zone) {}
  Status AfterEntry() {
    if (!first_ || zone_.tracker.crossings_held() < store::kReadRowsMax) return Status::Ok();
    std::vector<store::ViewRow> rows = zone_.tracker.TakeCrossings();
    for (const store::ViewRow& row : rows) tally_.Count(row);
    first_ = store_.ReadViews(zone_id_, [&](store::ViewReader& reader) {
      return CompareRows(reader, "crossing", rows);
    });
    return Status::Ok();  // a difference is the read models', reported after the journal's check
  }
  // The first difference found (Ok: none), and the rows compared so far.
  const Status& first_difference() const { return first_; }
  RowTally& tally() { return tally_; }

 private:
  store::Store& store_;
  const std::string zone_id_;
  store::Zone& zone_;
  RowTally tally_;
  Status first_ = Status::Ok();
};

// Checks that the stored read models of a verified zone equal a rebuild from its journal. After a
// restore from the snapshot at `snapshot_seq` (0: none), every row a rebuild reads from the
// engine's state is checked as after a full replay, but crossings are rows of the journal, not of
// the state (one per crossing, read_models.h): those of the replayed entries are checked and
// counted (`crossings`: those compared during the replay), and for the rest, which only a replay of
// the entries before the snapshot could rebuild, that the counts kept beside them are the rows'
// own.
Status CheckReadModels(store::Store& store, store::Zone& zone, const store::ZoneRecord& record,
                       uint64_t snapshot_seq, CrossingsAsReplayed& crossings) {
  if (!crossings.first_difference()) return crossings.first_difference();
  // The generic views (persons, crossings, declarations, lots, balances, the flows report's day
  // totals), kind by kind: every row a rebuild writes must be stored, equal in owner, state and
  // content, and no other row may be stored. The rebuild's rows are compared as they are read from
  // the engine, kReadRowsMax of a kind at a time, and not kept: after 30 days they were 2.4 GB of a
  // 3.4 GB peak (docs/architecture.md §7).
  std::map<std::string, RowTally> kinds;
  for (const char* kind : {"person", "crossing", "declaration", "document", "lot", "balance",
                           "balance_lot", "stocktake", "flow", "movement"}) {
    kinds[kind];
  }
  kinds["crossing"] = std::move(crossings.tally());
  store::ReadModelChanges expected;
  Status compared = store.ReadViews(record.zone, [&](store::ViewReader& reader) -> Status {
    Status first = Status::Ok();  // the first difference; the rest of the rows are then skipped
    expected = zone.tracker.Take(
        zone.chain.engine(), zone.chain.entries(), /*replace_all=*/true,
        [&](store::ViewRow&& row) {
          if (!first || row.erase) return;
          auto& [name, kind] = *kinds.try_emplace(row.kind).first;
          kind.Count(row);
          kind.pending.push_back(std::move(row));
          if (kind.pending.size() >= store::kReadRowsMax) {
            first = CompareRows(reader, name, kind.pending);
          }
        });
    if (!first) return first;
    for (auto& [name, kind] : kinds) {
      if (Status status = CompareRows(reader, name, kind.pending); !status) return status;
      if (name == "crossing" && snapshot_seq != 0) {
        Status status =
            CheckCrossingsAfterSnapshot(reader, static_cast<size_t>(kind.rows), snapshot_seq);
        if (!status) return status;
        continue;
      }
      store::ViewFilter every_row;
      every_row.count_rows = true;
      auto listed = reader.List(name, every_row, 0, 1);
      if (!listed) return listed.error();
      if (listed->count != kind.rows) {
        return Error{"the " + name + " views number " + std::to_string(listed->count) +
                     "; a replay has " + std::to_string(kind.rows) +
                     " (a row is stored that a replay has not)"};
      }
      // The counts kept beside the rows, which listings answer with, by state too.
      kind.by_state[""] = kind.rows;
      for (const auto& [state, count] : kind.by_state) {
        store::ViewFilter filter;
        filter.state = state;
        auto kept = reader.List(name, filter, 0, 0);
        if (!kept) return kept.error();
        if (kept->count != count) {
          return Error{"the count of " + name + " views" +
                       (state.empty() ? "" : " in state " + state) + " is " +
                       std::to_string(kept->count) + "; a replay has " + std::to_string(count)};
        }
      }
    }
    return Status::Ok();
  });
  if (!compared) return compared;
  std::vector<store::PresenceRow> stored;
  for (;;) {
    auto page = store.ReadPresence(record.zone, stored.size(), store::kReadRowsMax);
    if (!page) return page.error();
    stored.insert(stored.end(), page->rows.begin(), page->rows.end());
    if (page->rows.empty() || stored.size() >= static_cast<size_t>(page->count)) break;
  }
  auto same_row = [](const store::PresenceRow& a, const store::PresenceRow& b) {
    return a.person == b.person && a.entered_at == b.entered_at && a.gate == b.gate;
  };
  if (!std::equal(stored.begin(), stored.end(), expected.inside.begin(), expected.inside.end(),
                  same_row)) {
    return Error{"presence differs from a replay of the journal"};
  }
  // Every party's balance as read (its rows joined) equals the engine's, lot for lot.
  for (const engine::Party& party : zone.chain.engine().state().parties) {
    auto balance = store::ReadBalance(store, record.zone, party.id);
    if (!balance) return balance.error();
    if (!*balance || **balance != engine::BalanceJson(zone.chain.engine(), party.id)) {
      return Error{"the balance of party " + party.id + " differs from a replay"};
    }
  }
  return Status::Ok();
}

// Verifies one zone; prints its "ok" line or returns the error.
Status VerifyZone(store::Store& store, const store::ZoneRecord& record, bool name_zone,
                  bool from_snapshot, bool stored_read_models, bool last_zone, std::ostream& out,
                  std::ostream& err) {
  auto owned = std::make_unique<store::Zone>();
  store::Zone& zone = *owned;
  if (stored_read_models) zone.tracker.Attach(&zone.chain.engine());
  uint64_t snapshot_seq = 0;
  if (from_snapshot) {
    snapshot_seq = store::RestoreNewestSnapshot(
        store, record, &zone,
        [&](const std::string& warning) { err << "twoline verify: warning: " << warning << "\n"; },
        UINT64_MAX, /*check_encoding=*/true);
    if (snapshot_seq == 0) {
      err << "twoline verify: note: zone " << record.zone
          << ": no valid snapshot; replaying from the first entry\n";
    }
  }
  if (from_snapshot && snapshot_seq != 0) {
    // The snapshot's Merkle frontier (what proofs and signed checkpoints are built from) is checked
    // against the stored leaf hashes of the entries before it: the checksum alone would let a
    // rewritten frontier through, and the server would sign a wrong root.
    auto stored = store::StoredTree(store).RootAt(record.zone, snapshot_seq);
    if (!stored) return stored.error();
    if (zone.chain.frontier().size() != snapshot_seq || zone.chain.frontier().Root() != *stored) {
      return Error{"snapshot at seq " + std::to_string(snapshot_seq) +
                   ": its Merkle frontier does not match the journal's leaf hashes (the tree root of "
                   "entries 1.." + std::to_string(snapshot_seq) + " differs)"};
    }
  }
  const bool compare_read_models = stored_read_models && record.read_model_seq == record.entries;
  CrossingsAsReplayed crossings(store, record.zone, zone);
  std::function<Status()> after_each;
  if (compare_read_models) after_each = [&] { return crossings.AfterEntry(); };
  if (Status status = store::ReplayTail(store, record, &zone, after_each); !status) return status;
  if (from_snapshot && snapshot_seq != 0) {
    err << "twoline verify: zone " << record.zone << ": snapshot at seq " << snapshot_seq
        << " checked (state hash, encoding, head, Merkle frontier), " << record.entries - snapshot_seq
        << " entries replayed after it\n";
  }
  if (!stored_read_models) {
    // A journal file keeps no read models (journal_store.h): nothing to compare.
  } else if (record.read_model_seq != record.entries) {
    err << "twoline verify: note: zone " << record.zone << ": read models reflect seq "
        << record.read_model_seq << " of " << record.entries
        << "; they are rebuilt when the database is next opened for writing\n";
  } else if (Status status =
                 CheckReadModels(store, zone, record, from_snapshot ? snapshot_seq : 0, crossings);
             !status) {
    // A live server may have moved on between reading the zone record and the read models.
    auto now = PickZone(store, record.zone);
    if (!now || now->entries == record.entries) {
      return Error{"zone " + record.zone + ": read models: " + status.message()};
    }
    err << "twoline verify: note: zone " << record.zone
        << ": read models not compared (the database changed during verify)\n";
  }
  out << "ok " << zone.chain.entries() << " " << ToHex(zone.chain.head()) << " state "
      << ToHex(zone.chain.engine().StateHash(/*threads=*/2));
  if (name_zone) out << " zone " << record.zone;
  out << "\n";
  // After the last zone the process ends: the kernel frees the state whole. (Zones before it are
  // freed here, so that a verify holds one zone's state at a time.)
  if (last_zone) KeepUntilExit(std::move(owned));
  return Status::Ok();
}

}  // namespace

int VerifyDb(const std::string& db_path, const std::string& zone, std::ostream& out,
             std::ostream& err) {
  StoreLocation location;
  location.db = db_path;
  return VerifyStore(location, zone, /*from_snapshot=*/false, out, err);
}

int VerifyStore(const StoreLocation& location, const std::string& zone, bool from_snapshot,
                std::ostream& out, std::ostream& err) {
  auto bad = [&](const std::string& message) {
    err << "twoline verify: " << message << "\n";
    out << "bad " << message << "\n";
    return 1;
  };
  auto store = OpenStore(location, /*read_only=*/true, /*audit=*/!from_snapshot);
  if (!store) return bad(store.error().message);
  auto records = (*store)->Zones();
  if (!records) return bad(records.error().message);
  if (!zone.empty()) {
    auto record = PickZone(**store, zone);
    if (!record) return bad(record.error().message);
    *records = {*record};
  }
  if (records->empty()) {
    if (Status torn = (*store)->TornTail(); !torn) return bad(torn.message());
    journal::Chain empty;
    out << "ok 0 " << ToHex(empty.head()) << " state " << ToHex(empty.engine().StateHash()) << "\n";
    return 0;
  }
  // The "ok" lines wait until nothing is left to find: a torn end comes after them.
  std::ostringstream verified;
  for (const store::ZoneRecord& record : *records) {
    if (Status status = VerifyZone(**store, record, records->size() > 1, from_snapshot,
                                   location.journal.empty(), &record == &records->back(), verified,
                                   err);
        !status) {
      out << verified.str();
      return bad(status.message());
    }
  }
  // Every complete entry verified: now the torn end, which is the first bad seq.
  if (Status torn = (*store)->TornTail(); !torn) return bad(torn.message());
  out << verified.str();
  return 0;
}

namespace {

// Presence, balances, declarations, traces and reports as JSON come from the read models, which
// hold exactly what the queries on a replayed engine would print; `nullopt` when the query needs
// the engine (the table forms).
Result<std::optional<std::string>> AnswerFromReadModels(store::Store& store,
                                                        const store::ZoneRecord& record,
                                                        const QueryOptions& options) {
  if (options.table) return std::optional<std::string>();
  if ((options.what == "declaration" || options.what == "trace") && !options.declaration.empty()) {
    std::string ambiguous;
    auto answer =
        options.what == "trace"
            ? store::ReadTrace(store, record.zone, options.declaration, "", &ambiguous)
            : store::ReadDeclaration(store, record.zone, options.declaration, "", &ambiguous);
    if (!answer) return answer.error();
    if (!ambiguous.empty()) return Error{ambiguous};
    if (!*answer) return Error{"unknown declaration \"" + options.declaration + "\""};
    return answer;
  }
  if (options.what == "report") {
    auto from = ParseDate(options.from.empty() ? "1900-01-01" : options.from);
    auto to = ParseDate(options.to.empty() ? "2999-12-31" : options.to);
    if (!from || !to || *from > *to) return std::optional<std::string>();  // the engine path names the error
    auto report = store::ReadFlowsReport(store, record.zone, *from, *to);
    if (!report) return report.error();
    return std::optional<std::string>(std::move(*report));
  }
  if (options.what == "presence") {
    store::PresencePage all;
    for (;;) {
      auto page = store.ReadPresence(record.zone, all.rows.size(), store::kReadRowsMax);
      if (!page) return page.error();
      all.count = page->count;
      all.rows.insert(all.rows.end(), page->rows.begin(), page->rows.end());
      if (page->rows.empty() || all.rows.size() >= static_cast<size_t>(page->count)) break;
    }
    return std::optional<std::string>(store::PresencePageJson(record.zone, all, 0));
  }
  if (options.what == "balance" && !options.party.empty()) {
    auto balance = store::ReadBalance(store, record.zone, options.party);
    if (!balance) return balance.error();
    if (!*balance) return Error{"unknown party \"" + options.party + "\""};
    std::string json = std::move(**balance);
    if (json.empty() || json.back() != '\n') json += '\n';  // as AnswerQuery prints it
    return std::optional<std::string>(std::move(json));
  }
  return std::optional<std::string>();
}

}  // namespace

int QueryDb(const std::string& db_path, const QueryOptions& options, std::ostream& out,
            std::ostream& err) {
  StoreLocation location;
  location.db = db_path;
  return QueryStore(location, options, out, err);
}

int QueryStore(const StoreLocation& location, const QueryOptions& options, std::ostream& out,
               std::ostream& err) {
  // Errors are named as the journal form names them: "twoline query balance: unknown party …".
  auto fail = [&](const std::string& message) {
    err << "twoline query" << (options.what.empty() ? "" : " " + options.what) << ": " << message << "\n";
    return 1;
  };
  if (options.what == "declaration" && options.table) {
    return fail("JSON only (--format table is for presence, balance, trace and report; "
                "`query trace --format table` lists a declaration's lots)");
  }
  auto store = OpenStore(location, /*read_only=*/true);
  if (!store) return fail(store.error().message);
  auto record = PickZone(**store, options.zone);
  if (!record) return fail(record.error().message);
  if (record->read_model_seq == record->entries) {
    auto answer = AnswerFromReadModels(**store, *record, options);
    if (!answer) return fail(answer.error().message);
    if (*answer) {
      out << **answer;
      return 0;
    }
  }
  // Everything else is answered by the engine: the newest valid snapshot and the tail after it.
  store::Zone zone;
  zone.tracker.Attach(&zone.chain.engine());
  store::RestoreNewestSnapshot(**store, *record, &zone, [&](const std::string& warning) {
    err << "twoline query: warning: " << warning << "\n";
  });
  if (Status status = store::ReplayTail(**store, *record, &zone); !status) return fail(status.message());
  if (options.what != "declaration") return AnswerQuery(zone.chain.engine(), options, out, err);
  if (options.declaration.empty()) return fail("--declaration is required");
  std::string error;
  std::string key = zone.chain.engine().state().goods.ResolveDocument(options.declaration, "", &error);
  if (key.empty()) return fail(error);
  std::string json = engine::DeclarationJson(zone.chain.engine(), key);
  if (json.empty()) return fail("unknown declaration \"" + options.declaration + "\"");
  out << json;
  return 0;
}

namespace {

// Writes `path` atomically: a temporary file beside it, fsync'd, renamed over it, and the directory
// fsync'd, so that a crash leaves either the old file or the whole new one.
Status WriteFileAtomically(const std::string& path,
                           const std::function<Status(int fd)>& write_content) {
  std::string temporary = path + ".tmp." + std::to_string(getpid());
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{temporary + ": " + std::strerror(errno)};
  Status status = write_content(fd);
  if (status && fsync(fd) != 0) status = Error{temporary + ": fsync: " + std::strerror(errno)};
  close(fd);
  if (status && rename(temporary.c_str(), path.c_str()) != 0) {
    status = Error{path + ": rename: " + std::strerror(errno)};
  }
  if (!status) {
    unlink(temporary.c_str());
    return status;
  }
  std::string directory = path;
  int directory_fd = open(dirname(directory.data()), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    fsync(directory_fd);
    close(directory_fd);
  }
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t written = write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return Error{std::string("write: ") + std::strerror(errno)};
    data.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

}  // namespace

int ExportDb(const StoreLocation& location, const std::string& zone, const std::string& journal_path,
             std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& message) {
    err << "twoline export: " << message << "\n";
    return 1;
  };
  auto store = OpenStore(location, /*read_only=*/true);
  if (!store) return fail(store.error().message);
  auto record = PickZone(**store, zone);
  if (!record) return fail(record.error().message);
  // Verify first: a backup of a journal that does not verify would only spread the damage.
  store::Zone replayed;
  if (Status status = store::ReplayZone(**store, *record, &replayed); !status) {
    return fail(status.message());
  }
  Status status = WriteFileAtomically(journal_path, [&](int fd) -> Status {
    std::string buffer;
    Status scan = (*store)->ScanEntries(
        record->zone, 1, record->entries, [&](const store::EntryRecord& entry) -> Status {
          buffer += entry.line;
          buffer += '\n';
          if (buffer.size() < (1 << 20)) return Status::Ok();
          Status written = WriteAll(fd, buffer);
          buffer.clear();
          return written;
        });
    if (!scan) return scan;
    return WriteAll(fd, buffer);
  });
  if (!status) return fail(status.message());
  out << "exported " << record->entries << " entries of zone " << record->zone << " to "
      << journal_path << "\n";
  return 0;
}

namespace {

// Reads a journal file's entries (each line canonical), naming the first bad seq.
Result<std::vector<journal::Entry>> ReadJournalEntries(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{path + ": " + std::strerror(errno)};
  std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<journal::Entry> entries;
  size_t position = 0;
  while (position < data.size()) {
    std::string at = path + ": seq " + std::to_string(entries.size() + 1) + ": ";
    size_t end = data.find('\n', position);
    if (end == std::string::npos) return Error{at + "entry truncated mid-line (torn write)"};
    auto entry = journal::EntryForReplay(std::string_view(data).substr(position, end - position));
    if (!entry) return Error{at + entry.error().message};
    entries.push_back(std::move(*entry));
    position = end + 1;
  }
  if (entries.empty()) return Error{path + ": the journal is empty"};
  return entries;
}

// Appends entries[from..] to the store in transactions of `per_transaction` entries; read models
// are written with the last one (until then read_model_seq lags, and a crash is repaired on open).
Status AppendImported(store::Store& store, store::Zone& zone,
                      const std::vector<journal::Entry>& entries, size_t from,
                      size_t per_transaction) {
  store::AppendBatch batch;
  for (size_t i = from; i < entries.size(); ++i) {
    const journal::Entry& entry = entries[i];
    store::EntryRecord record;
    record.zone = entry.zone;
    record.seq = entry.seq;
    record.hash = entry.hash;
    record.line = journal::EntryToJsonLine(entry);
    record.line.pop_back();
    record.leaf_hash = journal::LeafHash(entry);
    if (entry.kind == journal::EntryKind::kCommand) record.command_id = store::CommandIdOf(entry.command);
    batch.entries.push_back(std::move(record));
    bool last = i + 1 == entries.size();
    if (last) {
      batch.read_models.push_back(
          zone.tracker.Take(zone.chain.engine(), zone.chain.entries(), from == 0));
    }
    if (last || batch.entries.size() >= per_transaction) {
      if (Status status = store.Append(std::move(batch)); !status) return status;
      batch = store::AppendBatch{};
    }
  }
  return Status::Ok();
}

}  // namespace

int ImportDb(const std::string& journal_path, const StoreLocation& location, std::ostream& out,
             std::ostream& err) {
  auto fail = [&](const std::string& message) {
    err << "twoline import: " << message << "\n";
    return 1;
  };
  auto entries = ReadJournalEntries(journal_path);
  if (!entries) return fail(entries.error().message);
  const std::string zone_id = entries->front().zone;
  auto store = OpenStore(location, /*read_only=*/false);
  if (!store) return fail(store.error().message);
  auto records = (*store)->Zones();
  if (!records) return fail(records.error().message);
  uint64_t stored = 0;
  Hash256 stored_head{};
  for (const auto& record : *records) {
    if (record.zone == zone_id) {
      stored = record.entries;
      stored_head = record.head;
    }
  }
  // Verify the whole file before writing anything; observe only what will be appended, so that
  // the read models written are those the new entries touch.
  store::Zone zone;
  zone.tracker.Attach(&zone.chain.engine());
  engine::Command parsed;
  for (const journal::Entry& entry : *entries) {
    if (Status status = zone.chain.Replay(entry, &parsed); !status) {
      return fail(journal_path + ": " + status.message());
    }
    if (entry.seq > stored && entry.kind == journal::EntryKind::kCommand) {
      zone.tracker.Observe(parsed, entry.seq, entry.decision);
    }
  }
  if (stored > entries->size() || (stored > 0 && (*entries)[stored - 1].hash != stored_head)) {
    return fail("zone " + zone_id + " in " + location.Name() + " (" + std::to_string(stored) +
                " entries) is not a prefix of " + journal_path);
  }
  if (stored == entries->size()) {
    out << "imported 0 entries: zone " << zone_id << " already holds all " << stored << "\n";
    return 0;
  }
  if (stored > 0) {
    // The new entries' day totals add to those stored.
    if (Status status = zone.tracker.LoadTotals(**store, zone_id); !status) {
      return fail(status.message());
    }
  }
  if (Status status = AppendImported(**store, zone, *entries, stored, 10000); !status) {
    return fail(status.message());
  }
  out << "imported " << entries->size() - stored << " entries into zone " << zone_id << " (now "
      << entries->size() << ")\n";
  return 0;
}

}  // namespace twoline::cli
