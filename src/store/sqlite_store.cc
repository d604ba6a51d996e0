#include "store/sqlite_store.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <future>
#include <map>

#include "base/json_writer.h"
#include "base/thread_priority.h"
#include "journal/merkle_leaf.h"

namespace twoline::store {
namespace {

std::atomic<uint64_t> wal_checkpoints_all{0}, wal_checkpoint_failures_all{0};

constexpr int64_t kApplicationId = 0x74776c31;  // "twl1"
constexpr int64_t kSchemaVersion = 6;
constexpr int64_t kViewsApplicationId = 0x74776c76;  // "twlv": the read models' file
// Version 2: owner_keys and owner_keys_recent; views_by_owner leaves out kAppendedKind.
// Version 3: view_counts.
// Version 4: no balances table: a balance is a "balance" row and its live lots' "balance_lot" rows.
// Version 5: owner_keys by epoch of the key, then owner (OwnerKeysEpoch).
// Version 6: a "person" row without presence (read_models.h PersonRow).
// Version 7: a row's JSON longer than kViewInlineMax is kept in view_bodies.
constexpr int64_t kViewsSchemaVersion = 7;

// views is a WITHOUT ROWID table: each row lives in the B-tree its key is sought in. SQLite copies
// the whole of a row that overflows its page (about 4 KB on 16 KB pages) for each comparison with
// it on the way down, so that a few large rows (a declaration of hundreds of lines, 250 KB) made
// every seek near them cost their size: a sanitizer test of 16 such rows and 30,000 small ones
// took 41 s, and a 64 KB row in every 50 made lookups 5.7 times slower (a probe with Python's
// sqlite3: 49 µs against 8.6 µs for the same rows in a rowid table). A JSON longer than this is
// kept in view_bodies, a rowid table (sought through its unique index of small keys), and its
// views row holds NULL; every read takes it with ViewJson.
constexpr size_t kViewInlineMax = 2048;

// The epoch of a crossing's key (a SeqKey, given as the SQL expression `key`): owner_keys holds
// keys by epochs of 2^17 seqs, then by owner (ViewsSchema).
std::string OwnerKeysEpoch(std::string_view key) {
  return "(CAST(" + std::string(key) + " AS INTEGER) >> 17)";
}

// The read-model kind whose rows are only ever appended, keyed in append order, and looked up by
// owner through owner_keys (ViewsSchema).
constexpr std::string_view kAppendedKind = "crossing";

// The checkpoints table, on its own: version 3 added it (with the journal's leaf column).
constexpr const char* kCheckpointsTable = R"sql(
CREATE TABLE IF NOT EXISTS checkpoints (
  zone TEXT NOT NULL, size INTEGER NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL,
  PRIMARY KEY (zone, size, note));
)sql";

// The database file: the record. (zones.read_model_seq is no longer used: version 6 keeps it in the
// read models' own file, view_zones.)
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS journal (
  zone TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT, hash BLOB NOT NULL, line TEXT NOT NULL,
  leaf BLOB, PRIMARY KEY (zone, seq));
CREATE TABLE IF NOT EXISTS zones (
  zone TEXT NOT NULL PRIMARY KEY, entries INTEGER NOT NULL, head BLOB NOT NULL,
  read_model_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT NOT NULL PRIMARY KEY, secret_hash BLOB NOT NULL UNIQUE, role TEXT NOT NULL,
  zone TEXT NOT NULL, party TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT NOT NULL);
)sql";

// The read models' file (`<database>.views`): derived from the journal, rebuilt from it when lost.
// `prefix` is "" for the file, "TEMP " for the empty stand-in a reader uses when the file is absent.
//
// Rows of an append-only kind (crossings, kAppendedKind) are looked up by owner through owner_keys,
// not views_by_owner: a crossing's owner is its person, so indexing it in place put each crossing
// on a page of its own person's entries, and a transaction of a few hundred crossings rewrote a
// few hundred index pages (64 clients posting crossings: 6 KB written to the WAL per crossing, the
// views thread the busiest of the process). They are appended to owner_keys_recent, keyed in
// append order (one page at its end per transaction), and moved into owner_keys in key order once
// it holds SqliteOptions::owner_keys_merge_rows, each page of owner_keys then written once for
// all of them; a lookup by owner reads both. owner_keys is ordered by epoch of the key (2^17
// seqs), then owner: a move writes about two pages per owner among the keys it moves, within the
// current epoch only. Ordered by owner alone, those pages spread over the whole table, so that a
// move rewrote more of it as history grew (1.5, 2.5, 3.3 GB written in three 10 s runs in a row;
// docs/architecture.md §5). A lookup by owner seeks once per epoch.
std::string ViewsSchema(const std::string& prefix) {
  std::string schema =
      "CREATE " + prefix + "TABLE IF NOT EXISTS view_zones (\n"
      "  zone TEXT NOT NULL PRIMARY KEY, read_model_seq INTEGER NOT NULL);\n"
      "CREATE " + prefix + "TABLE IF NOT EXISTS presence (\n"
      "  zone TEXT NOT NULL, person TEXT NOT NULL, entered_at TEXT NOT NULL, gate TEXT NOT NULL,\n"
      "  PRIMARY KEY (zone, person)) WITHOUT ROWID;\n"
      "CREATE " + prefix + "TABLE IF NOT EXISTS views (\n"
      "  zone TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, owner TEXT NOT NULL,\n"
      "  state TEXT NOT NULL, json TEXT, PRIMARY KEY (zone, kind, key)) WITHOUT ROWID;\n"
      // The JSON of the views rows whose json is NULL (kViewInlineMax).
      "CREATE " + prefix + "TABLE IF NOT EXISTS view_bodies (\n"
      "  zone TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,\n"
      "  UNIQUE (zone, kind, key));\n"
      "CREATE " + prefix + "TABLE IF NOT EXISTS owner_keys (\n"
      "  zone TEXT NOT NULL, kind TEXT NOT NULL, epoch INTEGER NOT NULL, owner TEXT NOT NULL,\n"
      "  key TEXT NOT NULL, PRIMARY KEY (zone, kind, epoch, owner, key)) WITHOUT ROWID;\n"
      "CREATE " + prefix + "TABLE IF NOT EXISTS owner_keys_recent (\n"
      "  zone TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, owner TEXT NOT NULL,\n"
      "  PRIMARY KEY (zone, kind, key)) WITHOUT ROWID;\n"
      // The rows of views by zone, kind and state (SqliteStore::WriteRowCounts): a listing's count
      // is one lookup, where counting the rows walked, say, every crossing of the zone's history.
      "CREATE " + prefix + "TABLE IF NOT EXISTS view_counts (\n"
      "  zone TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, rows INTEGER NOT NULL,\n"
      "  PRIMARY KEY (zone, kind, state)) WITHOUT ROWID;\n";
  // (The stand-in's too: a listing by owner names views_by_owner.)
  schema +=
      "CREATE INDEX IF NOT EXISTS views_by_owner ON views (zone, kind, owner, key) "
      "WHERE kind <> '" + std::string(kAppendedKind) + "';\n"
      "CREATE INDEX IF NOT EXISTS views_by_state ON views (zone, kind, state, key);\n";
  return schema;
}

// The SQL expression of a views row's JSON, inline or from view_bodies; `row` names the views
// table in the statement.
std::string ViewJson(const std::string& row) {
  return "COALESCE(" + row + ".json, (SELECT b.json FROM view_bodies b WHERE b.zone = " + row +
         ".zone AND b.kind = " + row + ".kind AND b.key = " + row + ".key))";
}

// A string literal for SQL: single quotes doubled.
std::string SqlQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') quoted += c;
  }
  return quoted + "'";
}

Hash256 HashFromBlob(std::string_view blob) {
  Hash256 hash{};
  if (blob.size() == hash.size()) std::memcpy(hash.data(), blob.data(), hash.size());
  return hash;
}

// What an opened file says it is: its application id and user version, and whether it has no
// schema yet (a new file).
struct FileIdentity {
  int64_t application_id = 0;
  int64_t user_version = 0;
  bool fresh = false;
};

// `schema`: the attached database to read ("main": the connection's own file).
Result<FileIdentity> ReadIdentity(SqliteConnection& connection, const std::string& schema = "main") {
  auto application = connection.QueryText("PRAGMA " + schema + ".application_id");
  if (!application) return application.error();
  auto version = connection.QueryText("PRAGMA " + schema + ".user_version");
  if (!version) return version.error();
  auto tables = connection.QueryText("SELECT count(*) FROM " + schema + ".sqlite_schema");
  if (!tables) return tables.error();
  FileIdentity identity{std::stoll(*application), std::stoll(*version), false};
  identity.fresh = identity.application_id == 0 && identity.user_version == 0 && *tables == "0";
  return identity;
}

// WAL journal mode, on 16 KiB pages when the file is new: set before anything is written, they
// mean a quarter of the WAL frames, hence of the write calls, per commit (`run --db` of a record
// day: 16,786 commands/s against 13,411 with 4 KiB).
Status UseWal(SqliteConnection& connection, bool fresh) {
  if (fresh) {
    if (Status status = connection.Execute("PRAGMA page_size=16384;"); !status) return status;
  }
  auto mode = connection.QueryText("PRAGMA journal_mode=WAL");
  if (!mode) return mode.error();
  if (*mode != "wal") return Error{connection.path() + ": cannot use WAL journal mode (got " + *mode + ")"};
  return Status::Ok();
}

// Checks that an opened file is a twoline database of a version this build reads. `fresh` is set when
// the file has no schema yet (a new database).
Status CheckSchemaVersion(SqliteConnection& connection, bool writable, bool* fresh,
                          bool* reset_views) {
  auto identity = ReadIdentity(connection);
  if (!identity) return identity.error();
  const int64_t application_id = identity->application_id;
  const int64_t schema_version = identity->user_version;
  *fresh = identity->fresh;
  if (*fresh) return Status::Ok();
  if (application_id != kApplicationId) {
    return Error{connection.path() + ": not a twoline database (application_id " +
                 std::to_string(application_id) + ")"};
  }
  if (schema_version >= 1 && schema_version < kSchemaVersion && writable) {
    // Version 2 added the generic read-model table. Version 3 added the journal's leaf column and the
    // checkpoints table; rows stored before keep a NULL leaf, which reads compute from the line (the
    // line is the record; the leaf is derived). Version 4 keeps more read models in the views table
    // (a declaration's document, every lot, the flows report's days: read_models.h), which a database
    // written before lacks. Version 5 shows held goods with nothing free in the balance rows.
    // Version 6 moves the read models into a file of their own (`<database>.views`), written apart
    // from the journal's commits. Read models are derived data: they are dropped here and rebuilt
    // into that file when the database is opened for writing.
    std::string migrate = "BEGIN IMMEDIATE;";
    if (schema_version == 1) migrate += kSchema;
    if (schema_version <= 2) {
      migrate += std::string("ALTER TABLE journal ADD COLUMN leaf BLOB;") + kCheckpointsTable;
    }
    migrate += "DROP TABLE IF EXISTS presence; DROP TABLE IF EXISTS balances; "
               "DROP TABLE IF EXISTS views; UPDATE zones SET read_model_seq = 0; "
               "PRAGMA user_version=" + std::to_string(kSchemaVersion) + "; COMMIT;";
    if (reset_views != nullptr) *reset_views = true;
    return connection.Execute(migrate);
  }
  if (schema_version != kSchemaVersion) {
    return Error{connection.path() + ": database schema version " + std::to_string(schema_version) +
                 " is not the version this build reads (" + std::to_string(kSchemaVersion) + ")"};
  }
  return Status::Ok();
}

}  // namespace

// The write connection's prepared statements.
struct SqliteStore::WriteStatements {
  std::unique_ptr<SqliteStatement> insert_entry, advance_zone, create_zone, insert_token,
      revoke_token, insert_checkpoint;
};

// The read models' write connection's prepared statements (the views thread's).
struct SqliteStore::ViewStatements {
  std::unique_ptr<SqliteStatement> upsert_presence, delete_presence, read_model_seq, clear_presence,
      upsert_view, delete_view, clear_views, view_owner, upsert_body, delete_body, clear_bodies,
      update_json, update_state, insert_view, add_row_count, clear_row_counts, insert_owner_key,
      delete_owner_key, delete_recent_owner_key, clear_owner_keys, clear_recent_owner_keys;
};

// A read connection and its prepared statements.
struct SqliteStore::Reader {
  std::unique_ptr<SqliteConnection> connection;
  std::unique_ptr<SqliteStatement> zones, entries, leaf_hashes, presence_count, presence_page,
      presence_of, tokens, view, latest_checkpoint;
  // ListViews statements by SQL text (one per filter shape), prepared on first use.
  std::map<std::string, std::unique_ptr<SqliteStatement>> cached;
  Result<SqliteStatement*> Cached(const std::string& sql) {
    auto it = cached.find(sql);
    if (it == cached.end()) {
      auto statement = connection->Prepare(sql);
      if (!statement) return statement.error();
      it = cached.emplace(sql, std::move(*statement)).first;
    }
    return it->second.get();
  }
};

// Returns a borrowed reader to the pool when it goes out of scope.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, std::unique_ptr<Reader> reader)
      : store_(store), reader_(std::move(reader)) {}
  ReaderLease(ReaderLease&& other) = default;
  ~ReaderLease() {
    if (reader_) store_->Return(std::move(reader_));
  }
  Reader* operator->() { return reader_.get(); }
  Reader& operator*() { return *reader_; }

 private:
  SqliteStore* store_;
  std::unique_ptr<Reader> reader_;
};

SqliteStore::SqliteStore(std::string path, const SqliteOptions& options)
    : path_(std::move(path)),
      views_path_(path_ + ".views"),
      options_(options),
      snapshots_(path_ + ".snapshots") {}

SqliteStore::~SqliteStore() {
  if (checkpoint_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(checkpoint_mutex_);
      checkpoint_stopping_ = true;
    }
    checkpoint_wanted_.notify_all();
    checkpoint_thread_.join();
  }
  if (writer_) sqlite3_wal_hook(writer_->handle(), nullptr, nullptr);
  checkpointer_.reset();
  // The read models queued are written before anything closes.
  if (views_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(views_mutex_);
      views_stopping_ = true;
      UrgeViews(views_queued_);  // the close waits for them
    }
    views_changed_.notify_all();
    views_thread_.join();
  }
  // Readers first, so that the write connections close last: the last connection to close
  // checkpoints the WAL into the database file and removes it, which read-only ones cannot do.
  idle_readers_.clear();
  view_statements_.reset();
  views_writer_.reset();
  statements_.reset();  // statements before their connection
  writer_.reset();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const SqliteOptions& options) {
  if (options.read_connections_max == 0) return Error{"read_connections_max must be at least 1"};
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, options));
  if (!options.read_only) {
    if (Status status = store->OpenWriter(); !status) return Error{status.message()};
    return store;
  }
  // Read-only: check the file now rather than on the first read, before statements are prepared
  // over a schema that may be another version's.
  auto connection = SqliteConnection::Open(path, SQLITE_OPEN_READONLY, options.busy_timeout_ms);
  if (!connection) return connection.error();
  bool fresh = false;
  if (Status status = CheckSchemaVersion(**connection, false, &fresh, nullptr); !status) {
    return Error{status.message()};
  }
  if (fresh) return Error{path + ": not a twoline database (no schema)"};
  return store;
}

Status SqliteStore::OpenWriter() {
  int flags = SQLITE_OPEN_READWRITE | (options_.create ? SQLITE_OPEN_CREATE : 0);
  auto connection = SqliteConnection::Open(path_, flags, options_.busy_timeout_ms);
  if (!connection) return connection.error();
  writer_ = std::move(*connection);
  bool fresh = false, reset_views = false;
  if (Status status = CheckSchemaVersion(*writer_, true, &fresh, &reset_views); !status) return status;
  if (Status status = UseWal(*writer_, fresh); !status) return status;
  // The writer's page cache holds the indexes a batch updates (the journal's), so that a commit
  // reads no page through a syscall it read before: 128 MiB, allocated only as used.
  if (Status status = writer_->Execute(
          "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-131072;");
      !status) {
    return status;
  }
  if (fresh) {
    std::string create = std::string("BEGIN IMMEDIATE;") + kSchema + kCheckpointsTable +
                         "PRAGMA application_id=" + std::to_string(kApplicationId) +
                         "; PRAGMA user_version=" + std::to_string(kSchemaVersion) + "; COMMIT;";
    if (Status status = writer_->Execute(create); !status) return status;
  }
  statements_ = std::make_unique<WriteStatements>();
  WriteStatements& s = *statements_;
  const std::pair<std::unique_ptr<SqliteStatement>*, const char*> sql[] = {
      {&s.insert_entry,
       "INSERT INTO journal (zone, seq, id, hash, line, leaf) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&s.insert_checkpoint,
       "INSERT OR IGNORE INTO checkpoints (zone, size, note, signed_at) VALUES (?1, ?2, ?3, ?4)"},
      {&s.advance_zone,
       "UPDATE zones SET entries = ?2, head = ?3 WHERE zone = ?1 AND entries = ?4"},
      {&s.create_zone,
       "INSERT INTO zones (zone, entries, head, read_model_seq) VALUES (?1, ?2, ?3, 0)"},
      {&s.insert_token,
       "INSERT INTO tokens (id, secret_hash, role, zone, party, created_at, revoked_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, '')"},
      {&s.revoke_token, "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = ''"},
  };
  for (const auto& [slot, text] : sql) {
    auto statement = writer_->Prepare(text);
    if (!statement) return statement.error();
    *slot = std::move(*statement);
  }
  if (Status status = OpenViewsWriter(reset_views); !status) return status;
  // The checkpoint thread's connection copies the WAL into the database file; synchronous=FULL, so
  // that it fsyncs the file before the WAL is started over. The writer's commits only wake it
  // (sqlite3_wal_hook replaces SQLite's automatic checkpoint).
  auto checkpointer = SqliteConnection::Open(path_, SQLITE_OPEN_READWRITE, options_.busy_timeout_ms);
  if (!checkpointer) return checkpointer.error();
  checkpointer_ = std::move(*checkpointer);
  if (Status status = checkpointer_->Execute("PRAGMA synchronous=FULL;"); !status) return status;
  sqlite3_wal_hook(writer_->handle(), &SqliteStore::OnWalCommit, this);
  checkpoint_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-wal");
    RunCheckpoints();
  });
  return Status::Ok();
}

int SqliteStore::OnWalCommit(void* self, sqlite3*, const char*, int pages) {
  auto* store = static_cast<SqliteStore*>(self);
  int copied = store->checkpoint_mark_.load(std::memory_order_relaxed);
  if (pages < copied) copied = 0;  // the WAL was started over
  if (pages - copied < store->options_.wal_checkpoint_pages) return SQLITE_OK;
  std::lock_guard<std::mutex> lock(store->checkpoint_mutex_);
  if (!store->checkpoint_due_) {
    store->checkpoint_due_ = true;
    store->checkpoint_wanted_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteStore::RunCheckpoints() {
  sqlite3* db = checkpointer_->handle();
  const int restart_pages = kWalRestartFactor * options_.wal_checkpoint_pages;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(checkpoint_mutex_);
      checkpoint_wanted_.wait(lock, [&] { return checkpoint_due_ || checkpoint_stopping_; });
      if (checkpoint_stopping_) return;
    }
    // Alongside commits: everything in the WAL when the round starts.
    int pages = 0, copied = 0;
    int code = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &pages, &copied);
    // Between two commits, once the WAL is long enough to be started over: the frames that came
    // during the round above, so that the next commit finds the WAL wholly copied and starts it over.
    if (code == SQLITE_OK && pages >= restart_pages) {
      std::lock_guard<std::mutex> lock(write_mutex_);
      if (!failed_) code = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &pages, &copied);
    }
    checkpoint_mark_.store(code == SQLITE_OK ? copied : 0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(checkpoint_mutex_);
      checkpoint_due_ = false;  // commits during the rounds are counted from the mark
    }
    // SQLITE_BUSY: another connection's checkpoint was running; the next mark tries again.
    if (code == SQLITE_OK) {
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
      wal_checkpoints_all.fetch_add(1, std::memory_order_relaxed);
    } else if (code != SQLITE_BUSY) {
      checkpoint_failures_.fetch_add(1, std::memory_order_relaxed);
      wal_checkpoint_failures_all.fetch_add(1, std::memory_order_relaxed);
      std::fprintf(stderr, "twoline: warning: %s: WAL checkpoint failed: %s (%d); tried again later\n",
                   path_.c_str(), sqlite3_errmsg(db), code);
    }
  }
}

// The read models' file: its own connection, written by its own thread (RunViews), so that a
// group commit of the journal never carries read-model pages. PRAGMA synchronous=NORMAL: a commit
// there is not fsync'd (WAL mode stays consistent; a crash may lose its last commits), since read
// models are derived and ZoneSet::Load brings them up to date from the journal, whose commits are.
Status SqliteStore::OpenViewsWriter(bool reset) {
  auto connection = SqliteConnection::Open(views_path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                           options_.busy_timeout_ms);
  if (!connection) return connection.error();
  views_writer_ = std::move(*connection);
  auto identity = ReadIdentity(*views_writer_);
  if (!identity) return identity.error();
  const bool fresh = identity->fresh;
  // Read models of an earlier version are derived data in an outdated layout: their tables are
  // dropped, and the zones' read models rebuilt from the journal (view_zones starts empty).
  const bool outdated = !fresh && identity->application_id == kViewsApplicationId &&
                        identity->user_version < kViewsSchemaVersion;
  if (!fresh && !outdated && (identity->application_id != kViewsApplicationId ||
                              identity->user_version != kViewsSchemaVersion)) {
    return Error{views_path_ + ": not the read models of a twoline database of this version "
                 "(application_id " + std::to_string(identity->application_id) + ", user_version " +
                 std::to_string(identity->user_version) + "); move it away: it is rebuilt from the journal"};
  }
  if (Status status = UseWal(*views_writer_, fresh); !status) return status;
  if (outdated) {
    std::fprintf(stderr, "twoline: %s: read models of version %lld are rebuilt in version %lld\n",
                 views_path_.c_str(), static_cast<long long>(identity->user_version),
                 static_cast<long long>(kViewsSchemaVersion));
    auto tables = views_writer_->QueryText(
        "SELECT group_concat('DROP TABLE IF EXISTS \"' || name || '\";', ' ') FROM sqlite_schema "
        "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    if (!tables) return tables.error();
    if (Status status = views_writer_->Execute("BEGIN IMMEDIATE; " + *tables + " COMMIT;"); !status) {
      return status;
    }
  }
  if (Status status = views_writer_->Execute(
          "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-32768;");
      !status) {
    return status;
  }
  std::string setup = "BEGIN IMMEDIATE;" + ViewsSchema("");
  if (fresh || outdated) {
    setup += "PRAGMA application_id=" + std::to_string(kViewsApplicationId) +
             "; PRAGMA user_version=" + std::to_string(kViewsSchemaVersion) + ";";
  }
  // A database migrated from an earlier version: everything is rebuilt. (A file behind or ahead of
  // its database's journal is brought up to date, or rebuilt, by ZoneSet::Load.)
  if (reset) {
    setup += "DELETE FROM view_zones; DELETE FROM presence; DELETE FROM views; "
             "DELETE FROM view_bodies; DELETE FROM owner_keys; DELETE FROM owner_keys_recent; "
             "DELETE FROM view_counts;";
  }
  if (Status status = views_writer_->Execute(setup + "COMMIT;"); !status) return status;
  if (Status status = CountRecentOwnerKeys(); !status) return status;
  view_statements_ = std::make_unique<ViewStatements>();
  ViewStatements& v = *view_statements_;
  const std::pair<std::unique_ptr<SqliteStatement>*, std::string> sql[] = {
      {&v.upsert_presence,
       "INSERT OR REPLACE INTO presence (zone, person, entered_at, gate) VALUES (?1, ?2, ?3, ?4)"},
      {&v.delete_presence, "DELETE FROM presence WHERE zone = ?1 AND person = ?2"},
      {&v.read_model_seq,
       "INSERT INTO view_zones (zone, read_model_seq) VALUES (?1, ?2) "
       "ON CONFLICT (zone) DO UPDATE SET read_model_seq = excluded.read_model_seq"},
      {&v.clear_presence, "DELETE FROM presence WHERE zone = ?1"},
      {&v.upsert_view,
       "INSERT OR REPLACE INTO views (zone, kind, key, owner, state, json) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&v.delete_view, "DELETE FROM views WHERE zone = ?1 AND kind = ?2 AND key = ?3"},
      {&v.clear_views, "DELETE FROM views WHERE zone = ?1"},
      {&v.upsert_body,
       "INSERT OR REPLACE INTO view_bodies (zone, kind, key, json) VALUES (?1, ?2, ?3, ?4)"},
      {&v.delete_body, "DELETE FROM view_bodies WHERE zone = ?1 AND kind = ?2 AND key = ?3"},
      {&v.clear_bodies, "DELETE FROM view_bodies WHERE zone = ?1"},
      // A row under the same owner and state, kept inline or in view_bodies as before:
      // views_by_owner and views_by_state untouched.
      {&v.update_json,
       "UPDATE views SET json = ?6 WHERE zone = ?1 AND kind = ?2 AND key = ?3 AND owner = ?4 AND "
       "state = ?5 AND (json IS NULL) = (?6 IS NULL)"},
      {&v.update_state,
       "UPDATE views SET state = ?5, json = ?6 WHERE zone = ?1 AND kind = ?2 AND key = ?3 AND "
       "owner = ?4"},
      {&v.insert_view,
       "INSERT OR IGNORE INTO views (zone, kind, key, owner, state, json) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&v.view_owner,
       "SELECT owner, state, json IS NULL FROM views WHERE zone = ?1 AND kind = ?2 AND key = ?3"},
      {&v.add_row_count,
       "INSERT INTO view_counts (zone, kind, state, rows) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT (zone, kind, state) DO UPDATE SET rows = rows + excluded.rows"},
      {&v.clear_row_counts, "DELETE FROM view_counts WHERE zone = ?1"},
      {&v.insert_owner_key,
       "INSERT OR IGNORE INTO owner_keys_recent (zone, kind, key, owner) VALUES (?1, ?2, ?3, ?4)"},
      {&v.delete_owner_key,
       "DELETE FROM owner_keys WHERE zone = ?1 AND kind = ?2 AND epoch = " + OwnerKeysEpoch("?4") +
           " AND owner = ?3 AND key = ?4"},
      {&v.delete_recent_owner_key,
       "DELETE FROM owner_keys_recent WHERE zone = ?1 AND kind = ?2 AND key = ?3"},
      {&v.clear_owner_keys, "DELETE FROM owner_keys WHERE zone = ?1"},
      {&v.clear_recent_owner_keys, "DELETE FROM owner_keys_recent WHERE zone = ?1"},
  };
  for (const auto& [slot, text] : sql) {
    auto statement = views_writer_->Prepare(text);
    if (!statement) return statement.error();
    *slot = std::move(*statement);
  }
  std::promise<void> started;  // named and scheduled before the store is handed out
  views_thread_ = std::thread([this, &started] {
    pthread_setname_np(pthread_self(), "tl-views");
    // Behind deciding, committing and answering when the cores are short: the read models may
    // trail (the queue bounds how far, kViewsQueueMax), a gate decision should not. SCHED_IDLE (a
    // weight of 3 against nice 0's 1024, and preempted by any other thread that wakes) rather than
    // nice 10 (weight 110): with 64 clients posting crossings, 35,148 against 30,440 requests/s and
    // p99 5.19 against 6.30 ms (docs/architecture.md). But a batch's answers may wait for its read
    // models (a lone request, so that its client reads its own writes), and the committer waits
    // when kViewsQueueMax batches do: then the thread is lifted to SCHED_OTHER (UrgeViews) until
    // they are written. Leaving SCHED_IDLE needs the right to a nice value of 0 (CAP_SYS_NICE, or
    // an RLIMIT_NICE of 20), which lowering the nice value by one probes first; without it the
    // thread runs at nice kViewsNice throughout.
    const bool liftable = MayRaisePriority();
    {
      std::lock_guard<std::mutex> lock(views_mutex_);
      views_tid_ = gettid();
      views_liftable_ = liftable;
    }
    if (liftable) {
      SetThreadIdle();
    } else {
      (void)SetThreadNice(kViewsNice);
    }
    started.set_value();
    RunViews();
  });
  started.get_future().wait();
  return Status::Ok();
}

Result<SqliteStore::ReaderLease> SqliteStore::Borrow() {
  std::unique_lock<std::mutex> lock(readers_mutex_);
  reader_returned_.wait(lock, [&] {
    return !idle_readers_.empty() || readers_open_ < options_.read_connections_max;
  });
  if (!idle_readers_.empty()) {
    std::unique_ptr<Reader> reader = std::move(idle_readers_.back());
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
  auto connection = SqliteConnection::Open(path_, SQLITE_OPEN_READONLY, options_.busy_timeout_ms);
  if (!connection) return fail(connection.error());
  auto reader = std::make_unique<Reader>();
  reader->connection = std::move(*connection);
  // The read models' file, attached: its tables are named as if they were the database's. Absent
  // (a database copied without it, read only), or of another version (an earlier one's, opened
  // read only before a start that may write rebuilt it), empty tables stand in, and the zones show
  // no read models (a start that may write rebuilds them).
  bool attached =
      reader->connection->Execute("ATTACH DATABASE " + SqlQuote(views_path_) + " AS views_file").ok();
  if (attached) {
    auto identity = ReadIdentity(*reader->connection, "views_file");
    if (!identity || identity->application_id != kViewsApplicationId ||
        identity->user_version != kViewsSchemaVersion) {
      attached = false;
      if (Status status = reader->connection->Execute("DETACH DATABASE views_file"); !status) {
        return fail(Error{status.message()});
      }
    }
  }
  if (!attached) {
    if (Status status = reader->connection->Execute(ViewsSchema("TEMP ")); !status) {
      return fail(Error{status.message()});
    }
  }
  const std::pair<std::unique_ptr<SqliteStatement>*, std::string> sql[] = {
      {&reader->zones,
       "SELECT zone, entries, head, "
       "COALESCE((SELECT read_model_seq FROM view_zones r WHERE r.zone = zones.zone), 0) "
       "FROM zones ORDER BY zone"},
      {&reader->entries,
       "SELECT seq, id, hash, line, leaf FROM journal WHERE zone = ?1 AND seq BETWEEN ?2 AND ?3 "
       "ORDER BY seq LIMIT ?4"},
      // The line only where the leaf was not stored (rows older than schema version 3).
      {&reader->leaf_hashes,
       "SELECT seq, leaf, CASE WHEN leaf IS NULL THEN line END FROM journal "
       "WHERE zone = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3"},
      {&reader->latest_checkpoint,
       "SELECT size, note, signed_at FROM checkpoints WHERE zone = ?1 "
       "ORDER BY size DESC, rowid DESC LIMIT 1"},
      {&reader->presence_count, "SELECT count(*) FROM presence WHERE zone = ?1"},
      {&reader->presence_page,
       "SELECT person, entered_at, gate FROM presence WHERE zone = ?1 ORDER BY person "
       "LIMIT ?2 OFFSET ?3"},
      {&reader->presence_of,
       "SELECT entered_at, gate FROM presence WHERE zone = ?1 AND person = ?2"},
      {&reader->tokens,
       "SELECT id, secret_hash, role, zone, party, created_at, revoked_at FROM tokens ORDER BY "
       "created_at, id"},
      {&reader->view,
       "SELECT owner, state, " + ViewJson("views") +
           " FROM views WHERE zone = ?1 AND kind = ?2 AND key = ?3"},
  };
  for (const auto& [slot, text] : sql) {
    auto statement = reader->connection->Prepare(text);
    if (!statement) return fail(statement.error());
    *slot = std::move(*statement);
  }
  return ReaderLease(this, std::move(reader));
}

void SqliteStore::Return(std::unique_ptr<Reader> reader) {
  std::lock_guard<std::mutex> lock(readers_mutex_);
  idle_readers_.push_back(std::move(reader));
  reader_returned_.notify_one();
}

bool SqliteStore::failed() const {
  {
    std::lock_guard<std::mutex> lock(write_mutex_);
    if (failed_) return true;
  }
  std::lock_guard<std::mutex> lock(views_mutex_);
  return !views_failure_.empty();
}

Status SqliteStore::Append(AppendBatch batch) {
  RenderLines(batch);
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!writer_) return Error{path_ + ": opened read-only"};
  if (!failed_) {
    std::lock_guard<std::mutex> views_lock(views_mutex_);
    if (!views_failure_.empty()) {
      failed_ = true;
      failure_ = views_failure_;
    }
  }
  if (failed_) return Error{path_ + ": writes stopped after an earlier failure (" + failure_ + "); restart to recover"};
  if (batch.empty()) return Status::Ok();
  if (!batch.entries.empty()) {
    if (Status status = writer_->Execute("BEGIN IMMEDIATE"); !status) {
      // Nothing was written; a busy database is not a reason to stop writing for good.
      return status;
    }
    Status status = AppendInTransaction(batch);
    if (status) status = writer_->Execute("COMMIT");
    if (!status) {
      if (sqlite3_get_autocommit(writer_->handle()) == 0) (void)writer_->Execute("ROLLBACK");
      failed_ = true;
      failure_ = status.message();
      return status;
    }
  }
  // The read models follow the journal they are made from: handed to the views thread once the
  // entries are durable, never before.
  if (batch.read_models.empty()) return Status::Ok();
  std::unique_lock<std::mutex> views_lock(views_mutex_);
  if (views_queue_.size() >= kViewsQueueMax) UrgeViews(views_queue_.front().ticket);
  views_changed_.wait(views_lock, [&] {
    return views_queue_.size() < kViewsQueueMax || !views_failure_.empty();
  });
  const uint64_t ticket = ++views_queued_;
  views_queue_.push_back(ViewsJob{ticket, std::move(batch.read_models)});
  views_changed_.notify_all();
  if (batch.await_read_models) {
    UrgeViews(ticket);
    views_changed_.wait(views_lock, [&] { return views_written_ >= ticket || !views_failure_.empty(); });
  }
  if (!views_failure_.empty()) {
    failed_ = true;
    failure_ = views_failure_;
    return Error{failure_};
  }
  return Status::Ok();
}

uint64_t SqliteStore::wal_checkpoints_total() { return wal_checkpoints_all.load(); }
uint64_t SqliteStore::wal_checkpoint_failures_total() { return wal_checkpoint_failures_all.load(); }

Status SqliteStore::ViewsStatus() const {
  return views_failure_.empty() ? Status::Ok() : Status(Error{views_failure_});
}

size_t SqliteStore::ReadModelsBacklog() const {
  std::lock_guard<std::mutex> lock(views_mutex_);
  return static_cast<size_t>(views_queued_ - views_written_);
}

void SqliteStore::AfterReadModels(std::function<void(const Status&)> then) {
  std::unique_lock<std::mutex> lock(views_mutex_);
  if (views_written_ >= views_queued_) {
    const Status written = ViewsStatus();
    lock.unlock();
    then(written);
    return;
  }
  views_waiters_.emplace_back(views_queued_, std::move(then));
  UrgeViews(views_queued_);
}

void SqliteStore::UrgeViews(uint64_t ticket) {
  views_urgent_through_ = std::max(views_urgent_through_, ticket);
  if (!views_liftable_ || views_lifted_ || views_written_ >= views_urgent_through_) return;
  views_lifted_ = SetThreadNormal(views_tid_);
}

void SqliteStore::RunViews() {
  std::unique_lock<std::mutex> lock(views_mutex_);
  for (;;) {
    views_changed_.wait(lock, [&] { return !views_queue_.empty() || views_stopping_; });
    if (views_queue_.empty()) return;  // stopping, with everything written
    // Everything queued, in one transaction: under load a page of the read models is then written
    // to the WAL once for all the batches that touched it, not once per batch.
    std::vector<ViewsJob> jobs;
    while (!views_queue_.empty() && jobs.size() < kViewsJobsPerTransaction) {
      jobs.push_back(std::move(views_queue_.front()));
      views_queue_.pop_front();
    }
    views_changed_.notify_all();  // room in the queue
    const bool failed = !views_failure_.empty();
    lock.unlock();
    Status status = Status::Ok();
    if (!failed) status = WriteViews(jobs);
    lock.lock();
    if (!status && views_failure_.empty()) views_failure_ = status.message();
    views_written_ = jobs.back().ticket;
    views_changed_.notify_all();
    if (views_lifted_ && views_written_ >= views_urgent_through_) {
      SetThreadIdle();
      views_lifted_ = false;
    }
    std::vector<std::function<void(const Status&)>> ready;
    while (!views_waiters_.empty() && views_waiters_.front().first <= views_written_) {
      ready.push_back(std::move(views_waiters_.front().second));
      views_waiters_.pop_front();
    }
    if (!ready.empty()) {
      const Status written = ViewsStatus();
      lock.unlock();
      for (auto& then : ready) then(written);
      lock.lock();
    }
  }
}

Status SqliteStore::WriteViews(const std::vector<ViewsJob>& jobs) {
  if (Status status = views_writer_->Execute("BEGIN IMMEDIATE"); !status) return status;
  Status status = Status::Ok();
  for (const ViewsJob& job : jobs) {
    for (const ReadModelChanges& change : job.changes) {
      status = WriteReadModels(change);
      if (!status) break;
    }
    if (!status) break;
  }
  if (status) status = MergeOwnerKeys();
  if (status) status = WriteRowCounts();
  row_count_changes_.clear();  // written, or the views thread has stopped
  if (status) status = views_writer_->Execute("COMMIT");
  if (!status && sqlite3_get_autocommit(views_writer_->handle()) == 0) {
    (void)views_writer_->Execute("ROLLBACK");
  }
  return status;
}

Status SqliteStore::AppendInTransaction(const AppendBatch& batch) {
  WriteStatements& s = *statements_;
  // Each zone's entries must continue its stored chain: advance the zone record from the seq before
  // the batch's first entry (compare-and-set), or create it when the batch starts the chain.
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
    auto& advance = *s.advance_zone;
    advance.Bind(1, zone).Bind(2, static_cast<int64_t>(span.last));
    advance.BindBlob(3, span.head.data(), span.head.size()).Bind(4, static_cast<int64_t>(span.first - 1));
    if (Status status = advance.Run(); !status) return status;
    if (writer_->changes() == 1) continue;
    if (span.first != 1) {
      return Error{path_ + ": zone " + zone + ": the stored chain does not end at seq " +
                   std::to_string(span.first - 1) + " (another process appended to this database?)"};
    }
    auto& create = *s.create_zone;
    create.Bind(1, zone).Bind(2, static_cast<int64_t>(span.last)).BindBlob(3, span.head.data(), span.head.size());
    if (Status status = create.Run(); !status) return status;
  }
  for (const EntryRecord& entry : batch.entries) {
    auto& insert = *s.insert_entry;
    insert.Bind(1, entry.zone).Bind(2, static_cast<int64_t>(entry.seq));
    if (entry.command_id.empty()) {
      insert.BindNull(3);
    } else {
      insert.Bind(3, entry.command_id);
    }
    insert.BindBlob(4, entry.hash.data(), entry.hash.size()).Bind(5, entry.line);
    insert.BindBlob(6, entry.leaf_hash.data(), entry.leaf_hash.size());
    if (Status status = insert.Run(); !status) return status;
  }
  return Status::Ok();
}

// One row of the generic read models, written or erased, by the cheapest statement that does it:
// a row that keeps its owner and state is updated in place (views_by_owner and views_by_state
// untouched), a new row inserted; otherwise the row as it was is looked up, and updated (its
// state changed) or replaced (its owner changed). A row of kAppendedKind is new but for a rebuild:
// its insert comes first, and its owner key goes to owner_keys_recent; one that was there under
// another owner loses its old key. The rows by state are counted as they come and go.
Status SqliteStore::WriteViewRow(const std::string& zone, const ViewRow& row) {
  ViewStatements& s = *view_statements_;
  const bool appended = row.kind == kAppendedKind;
  const bool body = !row.erase && row.json.size() > kViewInlineMax;  // kept in view_bodies
  auto run = [&](SqliteStatement& statement) -> Result<bool> {  // true: it changed a row
    statement.Bind(1, zone).Bind(2, row.kind).Bind(3, row.key);
    statement.Bind(4, row.owner).Bind(5, row.state);
    if (body) {
      statement.BindNull(6);
    } else {
      statement.Bind(6, row.json);
    }
    if (Status status = statement.Run(); !status) return Error{status.message()};
    return views_writer_->changes() == 1;
  };
  auto write_body = [&]() -> Status {
    if (!body) return Status::Ok();
    auto& upsert = s.upsert_body->Bind(1, zone).Bind(2, row.kind).Bind(3, row.key);
    return upsert.Bind(4, row.json).Run();
  };
  auto add_owner_key = [&]() -> Status {
    auto& key = s.insert_owner_key->Bind(1, zone).Bind(2, row.kind).Bind(3, row.key);
    if (Status status = key.Bind(4, row.owner).Run(); !status) return status;
    recent_owner_keys_ += views_writer_->changes();
    return Status::Ok();
  };
  if (!row.erase) {
    auto changed = run(appended ? *s.insert_view : *s.update_json);
    if (!changed) return changed.error();
    if (*changed && !appended) return write_body();
    if (*changed) {
      CountRows(zone, row.kind, row.state, +1);
      if (Status status = write_body(); !status) return status;
      return add_owner_key();
    }
  }
  std::optional<std::string> old_owner, old_state;
  bool old_body = false;
  {
    SqliteStatement& lookup = *s.view_owner;
    StatementScope scope(lookup);
    lookup.Bind(1, zone).Bind(2, row.kind).Bind(3, row.key);
    auto found = lookup.Step();
    if (!found) return found.error();
    if (*found) {
      old_owner = std::string(lookup.ColumnText(0));
      old_state = std::string(lookup.ColumnText(1));
      old_body = lookup.ColumnInt(2) != 0;
    }
  }
  if (old_body && !body) {
    auto& erased = s.delete_body->Bind(1, zone).Bind(2, row.kind).Bind(3, row.key);
    if (Status status = erased.Run(); !status) return status;
  }
  if (old_state) CountRows(zone, row.kind, *old_state, -1);
  if (!row.erase) CountRows(zone, row.kind, row.state, +1);
  const bool same_owner = old_owner && !row.erase && *old_owner == row.owner;
  if (appended && old_owner && !same_owner) {
    auto& merged = s.delete_owner_key->Bind(1, zone).Bind(2, row.kind).Bind(3, *old_owner);
    if (Status status = merged.Bind(4, row.key).Run(); !status) return status;
    auto& recent = s.delete_recent_owner_key->Bind(1, zone).Bind(2, row.kind).Bind(3, row.key);
    if (Status status = recent.Run(); !status) return status;
    recent_owner_keys_ -= views_writer_->changes();
  }
  if (row.erase) return s.delete_view->Bind(1, zone).Bind(2, row.kind).Bind(3, row.key).Run();
  auto written = run(same_owner ? *s.update_state : *s.upsert_view);
  if (!written) return written.error();
  if (Status status = write_body(); !status) return status;
  return same_owner || !appended ? Status::Ok() : add_owner_key();
}

void SqliteStore::CountRows(const std::string& zone, const std::string& kind,
                            const std::string& state, int64_t delta) {
  row_count_changes_[std::make_tuple(zone, kind, state)] += delta;
}

// The counts of rows by state that changed in this transaction, into view_counts (WriteViews
// forgets them after).
Status SqliteStore::WriteRowCounts() {
  SqliteStatement& add = *view_statements_->add_row_count;
  for (const auto& [key, delta] : row_count_changes_) {
    if (delta == 0) continue;
    const auto& [zone, kind, state] = key;
    if (Status status = add.Bind(1, zone).Bind(2, kind).Bind(3, state).Bind(4, delta).Run(); !status) {
      return status;
    }
  }
  return Status::Ok();
}

// recent_owner_keys_ from the table (other zones' keys stay when one zone's are cleared).
Status SqliteStore::CountRecentOwnerKeys() {
  auto recent = views_writer_->QueryText("SELECT count(*) FROM owner_keys_recent");
  if (!recent) return recent.error();
  recent_owner_keys_ = std::stoll(*recent);
  return Status::Ok();
}

// owner_keys_recent into owner_keys, in key order, once it holds owner_keys_merge_rows.
Status SqliteStore::MergeOwnerKeys() {
  if (recent_owner_keys_ < options_.owner_keys_merge_rows) return Status::Ok();
  Status status = views_writer_->Execute(
      std::string("INSERT OR IGNORE INTO owner_keys (zone, kind, epoch, owner, key) "
                  "SELECT zone, kind, ") + OwnerKeysEpoch("key") + ", owner, key FROM owner_keys_recent "
      "ORDER BY 1, 2, 3, 4, 5; DELETE FROM owner_keys_recent;");
  if (status) recent_owner_keys_ = 0;
  return status;
}

Status SqliteStore::WriteReadModels(const ReadModelChanges& changes) {
  ViewStatements& s = *view_statements_;
  const std::string& zone = changes.zone;
  if (changes.replace_all) {
    for (SqliteStatement* clear :
         {s.clear_presence.get(), s.clear_views.get(), s.clear_bodies.get(),
          s.clear_owner_keys.get(), s.clear_recent_owner_keys.get(), s.clear_row_counts.get()}) {
      if (Status status = clear->Bind(1, zone).Run(); !status) return status;
    }
    std::erase_if(row_count_changes_, [&](const auto& change) { return std::get<0>(change.first) == zone; });
    if (Status status = CountRecentOwnerKeys(); !status) return status;
  }
  for (const std::string& person : changes.outside) {
    if (Status status = s.delete_presence->Bind(1, zone).Bind(2, person).Run(); !status) return status;
  }
  for (const PresenceRow& row : changes.inside) {
    auto& upsert = s.upsert_presence->Bind(1, zone).Bind(2, row.person);
    if (Status status = upsert.Bind(3, row.entered_at).Bind(4, row.gate).Run(); !status) return status;
  }
  for (const ViewRow& row : changes.views) {
    if (Status status = WriteViewRow(zone, row); !status) return status;
  }
  if (changes.partial) return Status::Ok();
  auto& seq = s.read_model_seq->Bind(1, zone).Bind(2, static_cast<int64_t>(changes.through_seq));
  return seq.Run();
}

Result<std::vector<ZoneRecord>> SqliteStore::Zones() {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteStatement& query = *(*lease)->zones;
  StatementScope scope(query);
  std::vector<ZoneRecord> zones;
  for (;;) {
    auto row = query.Step();
    if (!row) return row.error();
    if (!*row) break;
    ZoneRecord zone;
    zone.zone = std::string(query.ColumnText(0));
    zone.entries = static_cast<uint64_t>(query.ColumnInt(1));
    zone.head = HashFromBlob(query.ColumnBlob(2));
    zone.read_model_seq = static_cast<uint64_t>(query.ColumnInt(3));
    zones.push_back(std::move(zone));
  }
  return zones;
}

Result<std::vector<EntryRecord>> SqliteStore::ReadEntries(const std::string& zone,
                                                          uint64_t from_seq, size_t limit) {
  std::vector<EntryRecord> entries;
  Status status = Scan(zone, from_seq, UINT64_MAX, static_cast<int64_t>(std::min(limit, kReadRowsMax)),
                       [&](const EntryRecord& entry) -> Status {
                         entries.push_back(entry);
                         return Status::Ok();
                       });
  if (!status) return Error{status.message()};
  return entries;
}

Status SqliteStore::ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                                const std::function<Status(EntryRecord&)>& each) {
  return Scan(zone, from_seq, through_seq, -1, each);
}

Status SqliteStore::Scan(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                         int64_t limit, const std::function<Status(EntryRecord&)>& each) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteStatement& query = *(*lease)->entries;
  StatementScope scope(query);
  query.Bind(1, zone).Bind(2, static_cast<int64_t>(std::min<uint64_t>(from_seq, INT64_MAX)));
  query.Bind(3, static_cast<int64_t>(std::min<uint64_t>(through_seq, INT64_MAX)));
  query.Bind(4, limit);  // -1: no limit
  EntryRecord entry;
  for (;;) {
    auto row = query.Step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    entry.zone = zone;  // every field is set again: `each` may have moved the last row's out
    entry.seq = static_cast<uint64_t>(query.ColumnInt(0));
    entry.command_id = query.ColumnIsNull(1) ? std::string() : std::string(query.ColumnText(1));
    entry.hash = HashFromBlob(query.ColumnBlob(2));
    entry.line = std::string(query.ColumnText(3));
    entry.leaf_hash = query.ColumnIsNull(4) ? journal::LeafHashOfLine(entry.line)
                                            : HashFromBlob(query.ColumnBlob(4));
    if (Status status = each(entry); !status) return status;
  }
}

Result<std::vector<Hash256>> SqliteStore::ReadLeafHashes(const std::string& zone,
                                                         uint64_t from_seq, size_t limit) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteStatement& query = *(*lease)->leaf_hashes;
  StatementScope scope(query);
  from_seq = std::max<uint64_t>(from_seq, 1);
  query.Bind(1, zone).Bind(2, static_cast<int64_t>(std::min<uint64_t>(from_seq, INT64_MAX)));
  query.Bind(3, static_cast<int64_t>(std::min(limit, kLeafHashesMax)));
  std::vector<Hash256> leaves;
  for (;;) {
    auto row = query.Step();
    if (!row) return row.error();
    if (!*row) return leaves;
    const uint64_t seq = static_cast<uint64_t>(query.ColumnInt(0));
    if (seq != from_seq + leaves.size()) {
      return Error{path_ + ": zone " + zone + ": entry " + std::to_string(from_seq + leaves.size()) +
                   " is missing"};
    }
    leaves.push_back(query.ColumnIsNull(1) ? journal::LeafHashOfLine(query.ColumnText(2))
                                           : HashFromBlob(query.ColumnBlob(1)));
  }
}

Status SqliteStore::WriteCheckpoint(const CheckpointRecord& checkpoint) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!writer_) return Error{path_ + ": opened read-only"};
  if (failed_) return Error{path_ + ": writes stopped after an earlier failure (" + failure_ + ")"};
  auto& insert = statements_->insert_checkpoint->Bind(1, checkpoint.zone);
  insert.Bind(2, static_cast<int64_t>(checkpoint.size)).Bind(3, checkpoint.note);
  return insert.Bind(4, checkpoint.signed_at).Run();
}

Result<std::optional<CheckpointRecord>> SqliteStore::LatestCheckpoint(const std::string& zone) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteStatement& query = *(*lease)->latest_checkpoint;
  StatementScope scope(query);
  auto row = query.Bind(1, zone).Step();
  if (!row) return row.error();
  if (!*row) return std::optional<CheckpointRecord>();
  return std::optional<CheckpointRecord>(
      CheckpointRecord{zone, static_cast<uint64_t>(query.ColumnInt(0)),
                       std::string(query.ColumnText(1)), std::string(query.ColumnText(2))});
}

Result<PresencePage> SqliteStore::ReadPresence(const std::string& zone, size_t offset,
                                               size_t limit) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  // Count and page in one read transaction, so that they agree.
  SqliteConnection& connection = *(*lease)->connection;
  if (Status status = connection.Execute("BEGIN"); !status) return Error{status.message()};
  PresencePage page;
  Status status = [&]() -> Status {
    SqliteStatement& count = *(*lease)->presence_count;
    StatementScope count_scope(count);
    auto row = count.Bind(1, zone).Step();
    if (!row) return row.error();
    page.count = *row ? count.ColumnInt(0) : 0;
    SqliteStatement& query = *(*lease)->presence_page;
    StatementScope scope(query);
    query.Bind(1, zone).Bind(2, static_cast<int64_t>(std::min(limit, kReadRowsMax)));
    query.Bind(3, static_cast<int64_t>(std::min<size_t>(offset, INT64_MAX)));
    for (;;) {
      auto next = query.Step();
      if (!next) return next.error();
      if (!*next) return Status::Ok();
      page.rows.push_back({std::string(query.ColumnText(0)), std::string(query.ColumnText(1)),
                           std::string(query.ColumnText(2))});
    }
  }();
  (void)connection.Execute("COMMIT");
  if (!status) return Error{status.message()};
  return page;
}

Result<std::optional<PresenceRow>> SqliteStore::ReadPresenceOf(const std::string& zone,
                                                               const std::string& person) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteStatement& query = *(*lease)->presence_of;
  StatementScope scope(query);
  auto row = query.Bind(1, zone).Bind(2, person).Step();
  if (!row) return row.error();
  if (!*row) return std::optional<PresenceRow>();
  return std::optional<PresenceRow>(
      PresenceRow{person, std::string(query.ColumnText(0)), std::string(query.ColumnText(1))});
}

Result<std::optional<ViewRow>> SqliteStore::ReadView(const std::string& zone,
                                                     const std::string& kind,
                                                     const std::string& key) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteStatement& query = *(*lease)->view;
  StatementScope scope(query);
  auto row = query.Bind(1, zone).Bind(2, kind).Bind(3, key).Step();
  if (!row) return row.error();
  if (!*row) return std::optional<ViewRow>();
  return std::optional<ViewRow>(ViewRow{kind, key, std::string(query.ColumnText(0)),
                                        std::string(query.ColumnText(1)),
                                        std::string(query.ColumnText(2)), false});
}

// The generic read models through one borrowed read connection, inside a read transaction the
// caller opened: every read sees the same WAL snapshot.
class SqliteStore::LeaseViewReader final : public ViewReader {
 public:
  LeaseViewReader(Reader& reader, const std::string& zone) : reader_(reader), zone_(zone) {}

  Result<std::vector<ViewRow>> Read(const std::string& kind,
                                    const std::vector<std::string>& keys) override {
    // The keys as one JSON array parameter, so that one statement looks them all up.
    std::string list = "[";
    for (const std::string& key : keys) {
      if (list.size() > 1) list += ',';
      AppendJsonString(&list, key);
    }
    list += ']';
    return Rows(
        "SELECT key, owner, state, " + ViewJson("views") +
            " FROM views WHERE zone = ?1 AND kind = ?2 AND key IN "
        "(SELECT value FROM json_each(?3)) ORDER BY key",
        kind, list, "");
  }

  Result<std::vector<ViewRow>> ReadRange(const std::string& kind, const std::string& first,
                                         const std::string& last) override {
    return Rows(
        "SELECT key, owner, state, " + ViewJson("views") +
            " FROM views WHERE zone = ?1 AND kind = ?2 AND key >= ?3 "
        "AND key <= ?4 ORDER BY key LIMIT " + std::to_string(kReadRowsMax),
        kind, first, last);
  }

  // The rows a statement over (zone, kind, ?3, ?4) selects as (key, owner, state, json).
  Result<std::vector<ViewRow>> Rows(const std::string& sql, const std::string& kind,
                                    const std::string& third, const std::string& fourth) {
    auto query = reader_.Cached(sql);
    if (!query) return query.error();
    SqliteStatement& rows = **query;
    StatementScope scope(rows);
    rows.Bind(1, zone_).Bind(2, kind).Bind(3, third);
    if (!fourth.empty()) rows.Bind(4, fourth);
    std::vector<ViewRow> out;
    for (;;) {
      auto next = rows.Step();
      if (!next) return next.error();
      if (!*next) return out;
      out.push_back(ViewRow{kind, std::string(rows.ColumnText(0)), std::string(rows.ColumnText(1)),
                            std::string(rows.ColumnText(2)), std::string(rows.ColumnText(3)),
                            false});
    }
  }

  Result<ViewPage> List(const std::string& kind, const ViewFilter& filter, size_t offset,
                        size_t limit) override {
    // The filter decides the statement; each is prepared once per reader connection and cached.
    std::string count_sql, page_sql;
    const char* order = filter.descending ? " ORDER BY key DESC" : " ORDER BY key";
    if (!filter.owner.empty() && kind == kAppendedKind) {
      // The owner's keys from owner_keys and owner_keys_recent (ViewsSchema), then their rows;
      // owner_keys is ordered by epoch, then owner: one seek for each epoch it holds.
      std::string bounds;
      if (!filter.key_min.empty()) bounds += " AND key >= ?7";
      if (!filter.key_max.empty()) bounds += " AND key <= ?8";
      const std::string owned =
          "WITH RECURSIVE epochs (e) AS ("
          "SELECT (SELECT min(epoch) FROM owner_keys WHERE zone = ?1 AND kind = ?2) UNION ALL "
          "SELECT e + 1 FROM epochs "
          "WHERE e < (SELECT max(epoch) FROM owner_keys WHERE zone = ?1 AND kind = ?2)), "
          "owned (key) AS (SELECT key FROM epochs CROSS JOIN owner_keys "
          "ON zone = ?1 AND kind = ?2 AND epoch = epochs.e AND owner = ?3" + bounds +
          " UNION ALL SELECT key FROM owner_keys_recent WHERE zone = ?1 AND kind = ?2 AND owner = ?3" +
          bounds + ") ";
      const std::string rows =
          " FROM owned JOIN views v ON v.zone = ?1 AND v.kind = ?2 AND v.key = owned.key" +
          std::string(filter.state.empty() ? "" : " WHERE v.state = ?4");
      count_sql = owned + "SELECT count(*)" + (filter.state.empty() ? " FROM owned" : rows);
      page_sql = owned + "SELECT owned.key AS key, v.owner, v.state, " + ViewJson("v") + rows +
                 order + " LIMIT ?5 OFFSET ?6";
    } else {
      std::string from = "views", where = "zone = ?1 AND kind = ?2";
      // By owner through views_by_owner, named: the planner otherwise walks every row of the kind
      // in key order for the owner's few. The kind's term is the index's own (it leaves
      // kAppendedKind out), so that it may be used.
      if (!filter.owner.empty()) {
        from = "views INDEXED BY views_by_owner";
        where += " AND owner = ?3 AND kind <> '" + std::string(kAppendedKind) + "'";
      }
      if (!filter.state.empty()) where += " AND state = ?4";
      if (!filter.key_min.empty()) where += " AND key >= ?7";
      if (!filter.key_max.empty()) where += " AND key <= ?8";
      // A count by state alone is kept (view_counts); any other is counted from the rows.
      const bool kept = filter.owner.empty() && filter.key_min.empty() && filter.key_max.empty() &&
                        !filter.count_rows;
      count_sql = kept ? "SELECT COALESCE(SUM(rows), 0) FROM view_counts WHERE zone = ?1 AND kind = ?2" +
                             std::string(filter.state.empty() ? "" : " AND state = ?4")
                       : "SELECT count(*) FROM " + from + " WHERE " + where;
      page_sql = "SELECT key, owner, state, " + ViewJson("views") + " FROM " + from + " WHERE " +
                 where + order + " LIMIT ?5 OFFSET ?6";
    }
    auto count = reader_.Cached(count_sql);
    if (!count) return count.error();
    auto query = reader_.Cached(page_sql);
    if (!query) return query.error();
    auto bind = [&](SqliteStatement& statement) {
      statement.Bind(1, zone_).Bind(2, kind);
      if (!filter.owner.empty()) statement.Bind(3, filter.owner);
      if (!filter.state.empty()) statement.Bind(4, filter.state);
      if (!filter.key_min.empty()) statement.Bind(7, filter.key_min);
      if (!filter.key_max.empty()) statement.Bind(8, filter.key_max);
    };
    ViewPage page;
    {
      StatementScope scope(**count);
      bind(**count);
      auto row = (*count)->Step();
      if (!row) return row.error();
      page.count = *row ? (*count)->ColumnInt(0) : 0;
    }
    SqliteStatement& rows = **query;
    StatementScope scope(rows);
    bind(rows);
    rows.Bind(5, static_cast<int64_t>(std::min(limit, kReadRowsMax)));
    rows.Bind(6, static_cast<int64_t>(std::min<size_t>(offset, INT64_MAX)));
    for (;;) {
      auto next = rows.Step();
      if (!next) return next.error();
      if (!*next) return page;
      page.rows.push_back(ViewRow{kind, std::string(rows.ColumnText(0)),
                                  std::string(rows.ColumnText(1)), std::string(rows.ColumnText(2)),
                                  std::string(rows.ColumnText(3)), false});
    }
  }

 private:
  Reader& reader_;
  const std::string& zone_;
};

Result<ViewPage> SqliteStore::ListViews(const std::string& zone, const std::string& kind,
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

Status SqliteStore::ReadViews(const std::string& zone,
                              const std::function<Status(ViewReader&)>& read) {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteConnection& connection = *(*lease)->connection;
  // One read transaction: count and page of a list agree, and a multi-step read sees one commit.
  if (Status status = connection.Execute("BEGIN"); !status) return status;
  LeaseViewReader reader(**lease, zone);
  Status status = read(reader);
  (void)connection.Execute("COMMIT");
  return status;
}

Status SqliteStore::WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) {
  return snapshots_.Write(zone, seq, bytes);
}

Result<std::vector<SnapshotInfo>> SqliteStore::ListSnapshots(const std::string& zone) {
  return snapshots_.List(zone);
}

Result<std::string> SqliteStore::ReadSnapshot(const std::string& zone, uint64_t seq) {
  return snapshots_.Read(zone, seq);
}

Status SqliteStore::UseSnapshot(const std::string& zone, uint64_t seq,
                          const SnapshotUse& use) {
  return snapshots_.Use(zone, seq, use);
}

Status SqliteStore::DeleteSnapshot(const std::string& zone, uint64_t seq) {
  return snapshots_.Delete(zone, seq);
}

Status SqliteStore::StageSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) {
  return snapshots_.Stage(zone, seq, bytes);
}

Status SqliteStore::PublishSnapshot(const std::string& zone, uint64_t seq) {
  return snapshots_.Publish(zone, seq);
}

void SqliteStore::DiscardStagedSnapshot(const std::string& zone, uint64_t seq) {
  snapshots_.DiscardStaged(zone, seq);
}

Status SqliteStore::CreateToken(const TokenRecord& token) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!writer_) return Error{path_ + ": opened read-only"};
  auto& insert = statements_->insert_token->Bind(1, token.id);
  insert.BindBlob(2, token.secret_hash.data(), token.secret_hash.size()).Bind(3, token.role);
  insert.Bind(4, token.zone).Bind(5, token.party).Bind(6, token.created_at);
  return insert.Run();
}

Result<std::vector<TokenRecord>> SqliteStore::ListTokens() {
  auto lease = Borrow();
  if (!lease) return lease.error();
  SqliteStatement& query = *(*lease)->tokens;
  StatementScope scope(query);
  std::vector<TokenRecord> tokens;
  for (;;) {
    auto row = query.Step();
    if (!row) return row.error();
    if (!*row) return tokens;
    TokenRecord token;
    token.id = std::string(query.ColumnText(0));
    token.secret_hash = HashFromBlob(query.ColumnBlob(1));
    token.role = std::string(query.ColumnText(2));
    token.zone = std::string(query.ColumnText(3));
    token.party = std::string(query.ColumnText(4));
    token.created_at = std::string(query.ColumnText(5));
    token.revoked_at = std::string(query.ColumnText(6));
    tokens.push_back(std::move(token));
  }
}

Result<bool> SqliteStore::RevokeToken(const std::string& id, const std::string& revoked_at) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  if (!writer_) return Error{path_ + ": opened read-only"};
  if (Status status = statements_->revoke_token->Bind(1, id).Bind(2, revoked_at).Run(); !status) {
    return Error{status.message()};
  }
  return writer_->changes() == 1;
}

}  // namespace twoline::store
