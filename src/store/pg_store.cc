#include "store/pg_store.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "journal/merkle_leaf.h"
#include "store/pg_schema.h"

namespace twoline::store {
namespace {

constexpr int64_t kScanChunkRows = 10000;

Hash256 HashOf(const std::string& bytes) {
  Hash256 hash{};  // a wrong length (a damaged row) stays all zero, which verification reports
  if (bytes.size() == hash.size()) std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

// bytea's text form, for array literals: \x followed by hex.
std::string ByteaText(const Hash256& hash) { return "\\x" + ToHex(hash); }

// The write connection's statements.
const std::pair<const char*, const char*> kWriteStatements[] = {
    {"insert_entries",
     "INSERT INTO journal (zone, seq, id, hash, line, leaf) SELECT * FROM "
     "unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[], $5::text[], $6::bytea[])"},
    {"advance_zone", "UPDATE zones SET entries = $2, head = $3 WHERE zone = $1 AND entries = $4"},
    {"create_zone",
     "INSERT INTO zones (zone, entries, head, read_model_seq) VALUES ($1, $2, $3, 0)"},
    {"clear_presence", "DELETE FROM presence WHERE zone = $1"},
    {"clear_views", "DELETE FROM views WHERE zone = $1"},
    {"delete_presence", "DELETE FROM presence WHERE zone = $1 AND person = ANY($2::text[])"},
    {"upsert_presence",
     "INSERT INTO presence (zone, person, entered_at, gate) "
     "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) "
     "ON CONFLICT (zone, person) DO UPDATE SET entered_at = excluded.entered_at, gate = "
     "excluded.gate"},
    {"delete_views",
     "DELETE FROM views WHERE zone = $1 AND (kind, key) IN "
     "(SELECT * FROM unnest($2::text[], $3::text[]))"},
    {"upsert_views",
     "INSERT INTO views (zone, kind, key, owner, state, json) "
     "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) "
     "ON CONFLICT (zone, kind, key) DO UPDATE SET owner = excluded.owner, state = excluded.state, "
     "json = excluded.json"},
    {"read_model_seq", "UPDATE zones SET read_model_seq = $2 WHERE zone = $1"},
    {"insert_token",
     "INSERT INTO tokens (id, secret_hash, role, zone, party, created_at, revoked_at) "
     "VALUES ($1, $2, $3, $4, $5, $6, '')"},
    {"revoke_token", "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at = ''"},
};

// A read connection's statements.
const std::pair<const char*, const char*> kReadStatements[] = {
    {"zones", "SELECT zone, entries, head, read_model_seq FROM zones ORDER BY zone"},
    {"entries",
     "SELECT seq, id, hash, line, leaf FROM journal WHERE zone = $1 AND seq BETWEEN $2 AND $3 "
     "ORDER BY seq LIMIT $4"},
    // The line only where the leaf was not stored (rows older than schema version 2).
    {"leaf_hashes",
     "SELECT seq, leaf, CASE WHEN leaf IS NULL THEN line END FROM journal "
     "WHERE zone = $1 AND seq >= $2 ORDER BY seq LIMIT $3"},
    {"checkpoint_write",
     "INSERT INTO checkpoints (zone, size, note, signed_at) VALUES ($1, $2, $3, $4) "
     "ON CONFLICT DO NOTHING"},
    {"checkpoint_latest",
     "SELECT size, note, signed_at FROM checkpoints WHERE zone = $1 "
     "ORDER BY size DESC, signed_at DESC LIMIT 1"},
    {"presence_count", "SELECT count(*) FROM presence WHERE zone = $1"},
    {"presence_page",
     "SELECT person, entered_at, gate FROM presence WHERE zone = $1 ORDER BY person "
     "LIMIT $2 OFFSET $3"},
    {"presence_of", "SELECT entered_at, gate FROM presence WHERE zone = $1 AND person = $2"},
    {"view", "SELECT owner, state, json FROM views WHERE zone = $1 AND kind = $2 AND key = $3"},
    {"views_by_keys",
     "SELECT key, owner, state, json FROM views WHERE zone = $1 AND kind = $2 AND key = "
     "ANY($3::text[]) ORDER BY key"},
    {"views_in_range",
     "SELECT key, owner, state, json FROM views WHERE zone = $1 AND kind = $2 AND key >= $3 AND "
     "key <= $4 ORDER BY key LIMIT 10000"},
    {"tokens",
     "SELECT id, secret_hash, role, zone, party, created_at, revoked_at FROM tokens "
     "ORDER BY created_at, id"},
    {"snapshot_write",
     "INSERT INTO snapshots (zone, seq, bytes) VALUES ($1, $2, $3) "
     "ON CONFLICT (zone, seq) DO UPDATE SET bytes = excluded.bytes"},
    {"snapshot_list",
     "SELECT seq, octet_length(bytes) FROM snapshots WHERE zone = $1 ORDER BY seq DESC"},
    {"snapshot_read", "SELECT bytes FROM snapshots WHERE zone = $1 AND seq = $2"},
    {"snapshot_delete", "DELETE FROM snapshots WHERE zone = $1 AND seq = $2"},
};

template <size_t N>
Status PrepareEach(PgConnection& connection,
                   const std::pair<const char*, const char*> (&statements)[N]) {
  for (const auto& [name, sql] : statements) {
    if (Status status = connection.Prepare(name, sql); !status) return status;
  }
  return Status::Ok();
}

// Keeps the last of several changes to one key, in first-appearance order of the survivors (later
// changes to a key replace earlier ones, as row-by-row upserts would).
template <typename Row, typename KeyOf>
std::vector<const Row*> LastPerKey(const std::vector<Row>& rows, KeyOf key_of) {
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < rows.size(); ++i) last[key_of(rows[i])] = i;
  std::vector<const Row*> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (last[key_of(rows[i])] == i) out.push_back(&rows[i]);
  }
  return out;
}

}  // namespace

std::string PgTextArray(const std::vector<std::string_view>& values,
                        const std::vector<bool>* null) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    if (null != nullptr && (*null)[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// A borrowed read connection, returned to the pool (or closed, when broken) at the end of scope.
class PgStore::ReaderLease {
 public:
  ReaderLease(PgStore* store, std::unique_ptr<PgConnection> reader)
      : store_(store), reader_(std::move(reader)) {}
  ReaderLease(ReaderLease&& other) = default;
  ~ReaderLease() {
    if (reader_) store_->Return(std::move(reader_));
  }
  PgConnection& operator*() { return *reader_; }

 private:
  PgStore* store_;
  std::unique_ptr<PgConnection> reader_;
};

PgStore::~PgStore() = default;

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& conninfo,
                                               const PgStoreOptions& options) {
  if (options.read_connections_max == 0) return Error{"read_connections_max must be at least 1"};
  if (options.fence && options.read_only) return Error{"a fenced store must be writable"};
  std::unique_ptr<PgStore> store(new PgStore(conninfo, options));
  if (!options.read_only) {
    if (Status status = store->OpenWriter(); !status) return Error{status.message()};
    return store;
  }
  // Check the schema before the read connections prepare statements over it.
  auto connection = PgConnection::Connect(conninfo, options.connection);
  if (!connection) return connection.error();
  if (Status checked = CheckPgSchema(**connection); !checked) return Error{checked.message()};
  return store;
}

Status PgStore::OpenWriter() {
  auto connection = PgConnection::Connect(conninfo_, options_.connection);
  if (!connection) return connection.error();
  writer_ = std::move(*connection);
  Status schema = options_.migrate ? MigratePg(*writer_) : CheckPgSchema(*writer_);
  if (!schema) return schema;
  return PrepareEach(*writer_, kWriteStatements);
}

Result<PgStore::ReaderLease> PgStore::Borrow() {
  std::unique_lock<std::mutex> lock(readers_mutex_);
  reader_returned_.wait(lock, [&] {
    return !idle_readers_.empty() || readers_open_ < options_.read_connections_max;
  });
  if (!idle_readers_.empty()) {
    std::unique_ptr<PgConnection> reader = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return ReaderLease(this, std::move(reader));
  }
  ++readers_open_;
  lock.unlock();
  auto fail = [&](Error error) -> Result<ReaderLease> {
    std::lock_guard<std::mutex> relock(readers_mutex_);
    --readers_open_;
    reader_returned_.notify_one();
    return error;
  };
  auto connection = PgConnection::Connect(conninfo_, options_.connection);
  if (!connection) return fail(connection.error());
  if (Status status = PrepareEach(**connection, kReadStatements); !status) {
    return fail(Error{status.message()});
  }
  return ReaderLease(this, std::move(*connection));
}

void PgStore::Return(std::unique_ptr<PgConnection> reader) {
  std::lock_guard<std::mutex> lock(readers_mutex_);
  if (reader->ok() && !reader->in_transaction()) {
    idle_readers_.push_back(std::move(reader));
  } else {
    --readers_open_;  // a broken connection is closed; the next Borrow opens a new one
  }
  reader_returned_.notify_one();
}

Status PgStore::WithReader(const std::function<Status(PgConnection&)>& read) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  Status status = read(**lease);
  if (status || !(**lease).connection_lost()) return status;
  (**lease).Rollback();
  if (Status reconnected = (**lease).Reconnect(); !reconnected) return status;
  return read(**lease);
}

bool PgStore::failed() const {
  std::lock_guard<std::mutex> lock(write_mutex_);
  return failed_;
}

std::string PgStore::failure() const {
  std::lock_guard<std::mutex> lock(write_mutex_);
  return failure_;
}

Status PgStore::Append(AppendBatch batch) {
  RenderLines(batch);
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!writer_) return Error{"postgres: opened read-only"};
  if (failed_) {
    return Error{"postgres: writes stopped after an earlier failure (" + failure_ +
                 "); reopen to recover"};
  }
  if (batch.empty()) return Status::Ok();
  // A connection found broken before anything was sent (the server restarted, or a standby was
  // promoted) is replaced: nothing of this batch was written, so nothing is in doubt.
  Status begun = writer_->ok() ? writer_->Begin() : Error{"not connected"};
  if (!begun && !writer_->in_transaction()) {
    if (Status reconnected = writer_->Reconnect(); !reconnected) return reconnected;
    begun = writer_->Begin();
  }
  if (!begun) return begun;
  Status status = AppendInTransaction(batch);
  if (status) status = writer_->Commit();
  if (!status) {
    writer_->Rollback();
    failed_ = true;
    failure_ = status.message();
  }
  return status;
}

Status PgStore::AppendInTransaction(const AppendBatch& batch) {
  if (Status status = CheckLeases(batch); !status) return status;
  if (Status status = AdvanceZones(batch); !status) return status;
  if (Status status = InsertEntries(batch); !status) return status;
  for (const ReadModelChanges& changes : batch.read_models) {
    if (Status status = WriteReadModels(changes); !status) return status;
  }
  return Status::Ok();
}

// Locks the lease row of every zone the batch writes, in zone order (so that two writers of
// overlapping zone sets cannot deadlock), and checks it.
Status PgStore::CheckLeases(const AppendBatch& batch) {
  std::vector<std::string> zones;
  for (const EntryRecord& entry : batch.entries) zones.push_back(entry.zone);
  for (const ReadModelChanges& changes : batch.read_models) zones.push_back(changes.zone);
  std::sort(zones.begin(), zones.end());
  zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
  for (const std::string& zone : zones) {
    if (options_.fence) {
      if (zone != options_.fence->zone) {
        return Error{"postgres: this store is fenced for zone " + options_.fence->zone +
                     " and cannot write zone " + zone};
      }
      if (Status status = CheckFence(*writer_, *options_.fence); !status) return status;
    } else if (Status status = CheckUnleased(*writer_, zone); !status) {
      return status;
    }
  }
  return Status::Ok();
}

// Each zone's entries must continue its stored chain: advance the zone record from the seq before
// the batch's first entry (compare-and-set), or create it when the batch starts the chain.
Status PgStore::AdvanceZones(const AppendBatch& batch) {
  struct Span {
    uint64_t first = 0, last = 0;
    Hash256 head{};
  };
  std::map<std::string, Span> spans;
  for (const EntryRecord& entry : batch.entries) {
    Span& span = spans[entry.zone];
    if (span.first == 0) {
      span.first = entry.seq;
    } else if (entry.seq != span.last + 1) {
      return Error{"zone " + entry.zone + ": batch entries are not consecutive at seq " +
                   std::to_string(entry.seq)};
    }
    span.last = entry.seq;
    span.head = entry.hash;
  }
  for (const auto& [zone, span] : spans) {
    auto advanced = writer_->Run("advance_zone", PgParams()
                                                     .Text(zone)
                                                     .Int(static_cast<int64_t>(span.last))
                                                     .Bytes(span.head.data(), span.head.size())
                                                     .Int(static_cast<int64_t>(span.first - 1)));
    if (!advanced) return advanced.error();
    if (advanced->changed() == 1) continue;
    if (span.first != 1) {
      return Error{"postgres " + writer_->server() + ": zone " + zone +
                   ": the stored chain does not end at seq " + std::to_string(span.first - 1) +
                   " (another process appended to this database?)"};
    }
    auto created = writer_->Run("create_zone", PgParams()
                                                   .Text(zone)
                                                   .Int(static_cast<int64_t>(span.last))
                                                   .Bytes(span.head.data(), span.head.size()));
    if (!created) return created.error();
  }
  return Status::Ok();
}

Status PgStore::InsertEntries(const AppendBatch& batch) {
  if (batch.entries.empty()) return Status::Ok();
  std::vector<std::string> seqs, hashes, leaves;
  seqs.reserve(batch.entries.size());
  hashes.reserve(batch.entries.size());
  leaves.reserve(batch.entries.size());
  std::vector<std::string_view> zones, seq_views, ids, hash_views, lines, leaf_views;
  std::vector<bool> no_id;
  for (const EntryRecord& entry : batch.entries) {
    seqs.push_back(std::to_string(entry.seq));
    hashes.push_back(ByteaText(entry.hash));
    leaves.push_back(ByteaText(entry.leaf_hash));
  }
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    const EntryRecord& entry = batch.entries[i];
    zones.push_back(entry.zone);
    seq_views.push_back(seqs[i]);
    ids.push_back(entry.command_id);
    no_id.push_back(entry.command_id.empty());
    hash_views.push_back(hashes[i]);
    lines.push_back(entry.line);
    leaf_views.push_back(leaves[i]);
  }
  auto inserted = writer_->Run("insert_entries", PgParams()
                                                     .Text(PgTextArray(zones))
                                                     .Text(PgTextArray(seq_views))
                                                     .Text(PgTextArray(ids, &no_id))
                                                     .Text(PgTextArray(hash_views))
                                                     .Text(PgTextArray(lines))
                                                     .Text(PgTextArray(leaf_views)));
  if (!inserted) return inserted.error();
  return Status::Ok();
}

Status PgStore::WriteReadModels(const ReadModelChanges& changes) {
  const std::string& zone = changes.zone;
  auto run = [&](const char* name, PgParams params) -> Status {
    auto result = writer_->Run(name, params);
    if (!result) return result.error();
    return Status::Ok();
  };
  if (changes.replace_all) {
    for (const char* clear : {"clear_presence", "clear_views"}) {
      if (Status status = run(clear, PgParams().Text(zone)); !status) return status;
    }
  }
  if (!changes.outside.empty()) {
    std::vector<std::string_view> persons(changes.outside.begin(), changes.outside.end());
    if (Status status = run("delete_presence", PgParams().Text(zone).Text(PgTextArray(persons)));
        !status) {
      return status;
    }
  }
  if (!changes.inside.empty()) {
    std::vector<std::string_view> persons, entered, gates;
    for (const PresenceRow* row :
         LastPerKey(changes.inside, [](const PresenceRow& r) { return r.person; })) {
      persons.push_back(row->person);
      entered.push_back(row->entered_at);
      gates.push_back(row->gate);
    }
    PgParams params;
    params.Text(zone)
        .Text(PgTextArray(persons))
        .Text(PgTextArray(entered))
        .Text(PgTextArray(gates));
    if (Status status = run("upsert_presence", std::move(params)); !status) return status;
  }
  if (!changes.views.empty()) {
    std::vector<std::string_view> erase_kinds, erase_keys, kinds, keys, owners, states, jsons;
    auto key_of = [](const ViewRow& r) { return r.kind + '\n' + r.key; };
    for (const ViewRow* row : LastPerKey(changes.views, key_of)) {
      if (row->erase) {
        erase_kinds.push_back(row->kind);
        erase_keys.push_back(row->key);
        continue;
      }
      kinds.push_back(row->kind);
      keys.push_back(row->key);
      owners.push_back(row->owner);
      states.push_back(row->state);
      jsons.push_back(row->json);
    }
    if (!erase_kinds.empty()) {
      PgParams params;
      params.Text(zone).Text(PgTextArray(erase_kinds)).Text(PgTextArray(erase_keys));
      if (Status status = run("delete_views", std::move(params)); !status) return status;
    }
    if (!kinds.empty()) {
      PgParams params;
      params.Text(zone).Text(PgTextArray(kinds)).Text(PgTextArray(keys)).Text(PgTextArray(owners));
      params.Text(PgTextArray(states)).Text(PgTextArray(jsons));
      if (Status status = run("upsert_views", std::move(params)); !status) return status;
    }
  }
  if (changes.partial) return Status::Ok();
  auto seq = writer_->Run("read_model_seq",
                          PgParams().Text(zone).Int(static_cast<int64_t>(changes.through_seq)));
  if (!seq) return seq.error();
  if (seq->changed() != 1) return Error{"postgres: read models for unknown zone " + zone};
  return Status::Ok();
}

Result<std::vector<ZoneRecord>> PgStore::Zones() {
  std::vector<ZoneRecord> zones;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    zones.clear();
    auto rows = reader.Run("zones", PgParams());
    if (!rows) return rows.error();
    for (int row = 0; row < rows->rows(); ++row) {
      ZoneRecord zone;
      zone.zone = std::string(rows->Text(row, 0));
      zone.entries = static_cast<uint64_t>(rows->Int(row, 1));
      zone.head = HashOf(rows->Bytes(row, 2));
      zone.read_model_seq = static_cast<uint64_t>(rows->Int(row, 3));
      zones.push_back(std::move(zone));
    }
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return zones;
}

Result<std::vector<EntryRecord>> PgStore::ReadEntries(const std::string& zone, uint64_t from_seq,
                                                      size_t limit) {
  std::vector<EntryRecord> entries;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    entries.clear();
    auto rows = reader.Run("entries",
                           PgParams()
                               .Text(zone)
                               .Int(static_cast<int64_t>(std::min<uint64_t>(from_seq, INT64_MAX)))
                               .Int(INT64_MAX)
                               .Int(static_cast<int64_t>(std::min(limit, kReadRowsMax))));
    if (!rows) return rows.error();
    for (int row = 0; row < rows->rows(); ++row) {
      EntryRecord entry;
      entry.zone = zone;
      entry.seq = static_cast<uint64_t>(rows->Int(row, 0));
      entry.command_id = rows->IsNull(row, 1) ? std::string() : std::string(rows->Text(row, 1));
      entry.hash = HashOf(rows->Bytes(row, 2));
      entry.line = std::string(rows->Text(row, 3));
      entry.leaf_hash =
          rows->IsNull(row, 4) ? journal::LeafHashOfLine(entry.line) : HashOf(rows->Bytes(row, 4));
      entries.push_back(std::move(entry));
    }
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return entries;
}

// Entries are immutable once committed, so reading them in chunks of consecutive seqs (each chunk
// its own statement, the connection returned between chunks) is one consistent read of the range.
Status PgStore::ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                            const std::function<Status(EntryRecord&)>& each) {
  uint64_t next = from_seq;
  const uint64_t last = std::min<uint64_t>(through_seq, INT64_MAX);
  while (next <= last) {
    auto chunk = ReadEntries(zone, next, static_cast<size_t>(kScanChunkRows));
    if (!chunk) return Error{chunk.error().message};
    for (EntryRecord& entry : *chunk) {
      if (entry.seq > last) return Status::Ok();
      if (Status status = each(entry); !status) return status;
    }
    if (chunk->size() < static_cast<size_t>(kScanChunkRows)) return Status::Ok();
    next = chunk->back().seq + 1;
  }
  return Status::Ok();
}

Result<std::vector<Hash256>> PgStore::ReadLeafHashes(const std::string& zone, uint64_t from_seq,
                                                     size_t limit) {
  from_seq = std::max<uint64_t>(from_seq, 1);
  limit = std::min(limit, kLeafHashesMax);
  std::vector<Hash256> leaves;
  // In chunks, like ScanEntries: entries are immutable once committed.
  while (leaves.size() < limit) {
    const uint64_t next = from_seq + leaves.size();
    const size_t chunk = std::min<size_t>(limit - leaves.size(), 65536);
    size_t read = 0;
    Status status = WithReader([&](PgConnection& reader) -> Status {
      auto rows = reader.Run("leaf_hashes", PgParams()
                                                .Text(zone)
                                                .Int(static_cast<int64_t>(std::min<uint64_t>(next, INT64_MAX)))
                                                .Int(static_cast<int64_t>(chunk)));
      if (!rows) return rows.error();
      leaves.resize(next - from_seq);  // a retry after a lost connection starts the chunk again
      for (int row = 0; row < rows->rows(); ++row) {
        if (static_cast<uint64_t>(rows->Int(row, 0)) != from_seq + leaves.size()) {
          return Error{"postgres: zone " + zone + ": entry " +
                       std::to_string(from_seq + leaves.size()) + " is missing"};
        }
        leaves.push_back(rows->IsNull(row, 1) ? journal::LeafHashOfLine(rows->Text(row, 2))
                                              : HashOf(rows->Bytes(row, 1)));
      }
      read = static_cast<size_t>(rows->rows());
      return Status::Ok();
    });
    if (!status) return Error{status.message()};
    if (read < chunk) break;
  }
  return leaves;
}

// On a read connection, as snapshots: a checkpoint never waits behind an Append.
Status PgStore::WriteCheckpoint(const CheckpointRecord& checkpoint) {
  return WithReader([&](PgConnection& reader) -> Status {
    auto written = reader.Run("checkpoint_write", PgParams()
                                                      .Text(checkpoint.zone)
                                                      .Int(static_cast<int64_t>(checkpoint.size))
                                                      .Text(checkpoint.note)
                                                      .Text(checkpoint.signed_at));
    if (!written) return written.error();
    return Status::Ok();
  });
}

Result<std::optional<CheckpointRecord>> PgStore::LatestCheckpoint(const std::string& zone) {
  std::optional<CheckpointRecord> latest;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    latest.reset();
    auto rows = reader.Run("checkpoint_latest", PgParams().Text(zone));
    if (!rows) return rows.error();
    if (rows->rows() == 1) {
      latest = CheckpointRecord{zone, static_cast<uint64_t>(rows->Int(0, 0)),
                                std::string(rows->Text(0, 1)), std::string(rows->Text(0, 2))};
    }
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return latest;
}

Result<PresencePage> PgStore::ReadPresence(const std::string& zone, size_t offset, size_t limit) {
  PresencePage page;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    page = PresencePage{};
    // Count and page in one snapshot, so that they agree.
    return InTransaction(reader, "REPEATABLE READ READ ONLY", [&]() -> Status {
      auto count = reader.Run("presence_count", PgParams().Text(zone));
      if (!count) return count.error();
      page.count = count->Int(0, 0);
      auto rows = reader.Run("presence_page",
                             PgParams()
                                 .Text(zone)
                                 .Int(static_cast<int64_t>(std::min(limit, kReadRowsMax)))
                                 .Int(static_cast<int64_t>(std::min<size_t>(offset, INT64_MAX))));
      if (!rows) return rows.error();
      for (int row = 0; row < rows->rows(); ++row) {
        page.rows.push_back({std::string(rows->Text(row, 0)), std::string(rows->Text(row, 1)),
                             std::string(rows->Text(row, 2))});
      }
      return Status::Ok();
    });
  });
  if (!status) return Error{status.message()};
  return page;
}

Result<std::optional<PresenceRow>> PgStore::ReadPresenceOf(const std::string& zone,
                                                           const std::string& person) {
  std::optional<PresenceRow> presence;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    presence.reset();
    auto rows = reader.Run("presence_of", PgParams().Text(zone).Text(person));
    if (!rows) return rows.error();
    if (rows->rows() == 1) {
      presence = PresenceRow{person, std::string(rows->Text(0, 0)), std::string(rows->Text(0, 1))};
    }
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return presence;
}

Result<std::optional<ViewRow>> PgStore::ReadView(const std::string& zone, const std::string& kind,
                                                 const std::string& key) {
  std::optional<ViewRow> view;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    auto rows = reader.Run("view", PgParams().Text(zone).Text(kind).Text(key));
    if (!rows) return rows.error();
    if (rows->rows() == 1) {
      view = ViewRow{kind,
                     key,
                     std::string(rows->Text(0, 0)),
                     std::string(rows->Text(0, 1)),
                     std::string(rows->Text(0, 2)),
                     false};
    }
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return view;
}

namespace {

// The generic read models through one read connection, inside a REPEATABLE READ transaction the
// caller opened: every read sees the same snapshot.
class PgViewReader final : public ViewReader {
 public:
  PgViewReader(PgConnection& reader, const std::string& zone) : reader_(reader), zone_(zone) {}

  Result<std::vector<ViewRow>> Read(const std::string& kind,
                                    const std::vector<std::string>& keys) override {
    std::vector<std::string_view> views(keys.begin(), keys.end());
    return Rows("views_by_keys", PgParams().Text(zone_).Text(kind).Text(PgTextArray(views)), kind);
  }

  Result<std::vector<ViewRow>> ReadRange(const std::string& kind, const std::string& first,
                                         const std::string& last) override {
    static_assert(kReadRowsMax == 10000, "views_in_range's LIMIT");
    return Rows("views_in_range", PgParams().Text(zone_).Text(kind).Text(first).Text(last), kind);
  }

  Result<std::vector<ViewRow>> Rows(const char* statement, const PgParams& params,
                                    const std::string& kind) {
    auto rows = reader_.Run(statement, params);
    if (!rows) return rows.error();
    std::vector<ViewRow> out;
    for (int row = 0; row < rows->rows(); ++row) {
      out.push_back(ViewRow{kind, std::string(rows->Text(row, 0)), std::string(rows->Text(row, 1)),
                            std::string(rows->Text(row, 2)), std::string(rows->Text(row, 3)),
                            false});
    }
    return out;
  }

  Result<ViewPage> List(const std::string& kind, const ViewFilter& filter, size_t offset,
                        size_t limit) override {
    // The filter decides the statement's shape, so that each shape can use its index; parameters
    // are numbered as they are added.
    PgParams filter_params;
    filter_params.Text(zone_).Text(kind);
    std::string where = "zone = $1 AND kind = $2";
    int next = 3;
    auto add = [&](const char* condition, const std::string& value) {
      if (value.empty()) return;
      where += std::string(" AND ") + condition + " $" + std::to_string(next++);
      filter_params.Text(value);
    };
    add("owner =", filter.owner);
    add("state =", filter.state);
    add("key >=", filter.key_min);
    add("key <=", filter.key_max);
    const std::string count_sql = "SELECT count(*) FROM views WHERE " + where;
    const std::string page_sql = "SELECT key, owner, state, json FROM views WHERE " + where +
                                 (filter.descending ? " ORDER BY key DESC" : " ORDER BY key") +
                                 " LIMIT $" + std::to_string(next) + " OFFSET $" +
                                 std::to_string(next + 1);
    PgParams page_params = filter_params;
    page_params.Int(static_cast<int64_t>(std::min(limit, kReadRowsMax)));
    page_params.Int(static_cast<int64_t>(std::min<size_t>(offset, INT64_MAX)));
    ViewPage page;
    auto count = reader_.Query(count_sql, filter_params);
    if (!count) return count.error();
    page.count = count->Int(0, 0);
    auto rows = reader_.Query(page_sql, page_params);
    if (!rows) return rows.error();
    for (int row = 0; row < rows->rows(); ++row) {
      page.rows.push_back(ViewRow{kind, std::string(rows->Text(row, 0)),
                                  std::string(rows->Text(row, 1)), std::string(rows->Text(row, 2)),
                                  std::string(rows->Text(row, 3)), false});
    }
    return page;
  }

 private:
  PgConnection& reader_;
  const std::string& zone_;
};

}  // namespace

Result<ViewPage> PgStore::ListViews(const std::string& zone, const std::string& kind,
                                    const ViewFilter& filter, size_t offset, size_t limit) {
  ViewPage page;
  Status status = ReadViews(zone, [&](ViewReader& reader) -> Status {
    auto listed = reader.List(kind, filter, offset, limit);
    if (!listed) return listed.error();
    page = std::move(*listed);
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return page;
}

Status PgStore::ReadViews(const std::string& zone,
                          const std::function<Status(ViewReader&)>& read) {
  return WithReader([&](PgConnection& connection) -> Status {
    return InTransaction(connection, "REPEATABLE READ READ ONLY", [&]() -> Status {
      PgViewReader reader(connection, zone);
      return read(reader);
    });
  });
}

Status PgStore::WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) {
  return WithReader([&](PgConnection& reader) -> Status {
    auto written = reader.Run(
        "snapshot_write",
        PgParams().Text(zone).Int(static_cast<int64_t>(seq)).Bytes(bytes.data(), bytes.size()));
    if (!written) return written.error();
    return Status::Ok();
  });
}

Result<std::vector<SnapshotInfo>> PgStore::ListSnapshots(const std::string& zone) {
  std::vector<SnapshotInfo> snapshots;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    snapshots.clear();
    auto rows = reader.Run("snapshot_list", PgParams().Text(zone));
    if (!rows) return rows.error();
    for (int row = 0; row < rows->rows(); ++row) {
      snapshots.push_back(
          {static_cast<uint64_t>(rows->Int(row, 0)), static_cast<uint64_t>(rows->Int(row, 1))});
    }
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return snapshots;
}

Result<std::string> PgStore::ReadSnapshot(const std::string& zone, uint64_t seq) {
  std::optional<std::string> bytes;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    auto rows = reader.Run("snapshot_read", PgParams().Text(zone).Int(static_cast<int64_t>(seq)));
    if (!rows) return rows.error();
    if (rows->rows() == 1) bytes = rows->Bytes(0, 0);
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  if (!bytes)
    return Error{"postgres: zone " + zone + ": no snapshot at seq " + std::to_string(seq)};
  return std::move(*bytes);
}

Status PgStore::DeleteSnapshot(const std::string& zone, uint64_t seq) {
  return WithReader([&](PgConnection& reader) -> Status {
    auto deleted =
        reader.Run("snapshot_delete", PgParams().Text(zone).Int(static_cast<int64_t>(seq)));
    if (!deleted) return deleted.error();
    return Status::Ok();
  });
}

Status PgStore::CreateToken(const TokenRecord& token) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!writer_) return Error{"postgres: opened read-only"};
  PgParams params;
  params.Text(token.id).Bytes(token.secret_hash.data(), token.secret_hash.size()).Text(token.role);
  params.Text(token.zone).Text(token.party).Text(token.created_at);
  if (!writer_->ok()) {
    if (Status status = writer_->Reconnect(); !status) return status;
  }
  auto inserted = writer_->Run("insert_token", params);
  if (!inserted) return inserted.error();
  return Status::Ok();
}

Result<std::vector<TokenRecord>> PgStore::ListTokens() {
  std::vector<TokenRecord> tokens;
  Status status = WithReader([&](PgConnection& reader) -> Status {
    tokens.clear();
    auto rows = reader.Run("tokens", PgParams());
    if (!rows) return rows.error();
    for (int row = 0; row < rows->rows(); ++row) {
      TokenRecord token;
      token.id = std::string(rows->Text(row, 0));
      token.secret_hash = HashOf(rows->Bytes(row, 1));
      token.role = std::string(rows->Text(row, 2));
      token.zone = std::string(rows->Text(row, 3));
      token.party = std::string(rows->Text(row, 4));
      token.created_at = std::string(rows->Text(row, 5));
      token.revoked_at = std::string(rows->Text(row, 6));
      tokens.push_back(std::move(token));
    }
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return tokens;
}

Result<bool> PgStore::RevokeToken(const std::string& id, const std::string& revoked_at) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!writer_) return Error{"postgres: opened read-only"};
  PgParams params;
  params.Text(id).Text(revoked_at);
  if (!writer_->ok()) {
    if (Status status = writer_->Reconnect(); !status) return Error{status.message()};
  }
  auto revoked = writer_->Run("revoke_token", params);
  if (!revoked) return revoked.error();
  return revoked->changed() == 1;
}

}  // namespace twoline::store
