#include "store/pg_schema.h"

namespace twoline::store {
namespace {

// The advisory lock that serialises migrations ("twl1", as SQLite's application_id).
constexpr int64_t kMigrationLock = 0x74776c31;

// Text keys use the "C" collation, so that every listing is in byte order whatever the database's
// locale (the same order as SQLite and the in-memory stores).
constexpr const char* kVersion1 = R"sql(
CREATE TABLE journal (
  zone text COLLATE "C" NOT NULL, seq bigint NOT NULL, id text, hash bytea NOT NULL,
  line text NOT NULL, PRIMARY KEY (zone, seq));
CREATE TABLE zones (
  zone text COLLATE "C" NOT NULL PRIMARY KEY, entries bigint NOT NULL, head bytea NOT NULL,
  read_model_seq bigint NOT NULL);
CREATE TABLE presence (
  zone text COLLATE "C" NOT NULL, person text COLLATE "C" NOT NULL, entered_at text NOT NULL,
  gate text NOT NULL, PRIMARY KEY (zone, person));
CREATE TABLE balances (
  zone text COLLATE "C" NOT NULL, party text COLLATE "C" NOT NULL, json text NOT NULL,
  PRIMARY KEY (zone, party));
CREATE TABLE views (
  zone text COLLATE "C" NOT NULL, kind text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
  owner text COLLATE "C" NOT NULL, state text COLLATE "C" NOT NULL, json text NOT NULL,
  PRIMARY KEY (zone, kind, key));
CREATE INDEX views_by_owner ON views (zone, kind, owner, key);
CREATE INDEX views_by_state ON views (zone, kind, state, key);
CREATE TABLE snapshots (
  zone text COLLATE "C" NOT NULL, seq bigint NOT NULL, bytes bytea NOT NULL,
  PRIMARY KEY (zone, seq));
CREATE TABLE tokens (
  id text COLLATE "C" NOT NULL PRIMARY KEY, secret_hash bytea NOT NULL UNIQUE, role text NOT NULL,
  zone text NOT NULL, party text NOT NULL, created_at text COLLATE "C" NOT NULL,
  revoked_at text NOT NULL);
CREATE TABLE zone_leases (
  zone text COLLATE "C" NOT NULL PRIMARY KEY, owner text NOT NULL, epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL, acquired_at timestamptz NOT NULL,
  renewed_at timestamptz NOT NULL);
CREATE TABLE cluster_nodes (
  node text COLLATE "C" NOT NULL PRIMARY KEY, advertise text NOT NULL,
  started_at timestamptz NOT NULL, seen_at timestamptz NOT NULL);
)sql";

// Version 2: the leaf hash of each entry (NULL in rows written before: computed from the line when
// read) and the signed checkpoints.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE journal ADD COLUMN leaf bytea;
CREATE TABLE checkpoints (
  zone text COLLATE "C" NOT NULL, size bigint NOT NULL, note text NOT NULL,
  signed_at text NOT NULL, PRIMARY KEY (zone, size, note));
)sql";

// Version 3: more kinds of read-model rows in `views` (a declaration's document, every lot, the
// flows report's days: read_models.h), which a database written before lacks. Read models are
// derived data: every zone's are marked as lagging, so that the node that loads a zone rebuilds them.
constexpr const char* kVersion3 = R"sql(
UPDATE zones SET read_model_seq = 0;
)sql";

// Version 4: a balance row shows held goods with nothing free (held goods are never free); rows
// written before are rebuilt as in version 3.
constexpr const char* kVersion4 = R"sql(
UPDATE zones SET read_model_seq = 0;
)sql";

// Version 5: a balance is kept as a "balance" row in `views` and one "balance_lot" row per live lot
// (read_models.h), so that a command rewrites the lots it touched, not every lot of the party; the
// balances table goes, and the read models are rebuilt as in version 3.
constexpr const char* kVersion5 = R"sql(
DROP TABLE IF EXISTS balances;
UPDATE zones SET read_model_seq = 0;
)sql";

// Version 6: a "person" row holds the registration without presence (read_models.h PersonRow), so
// that a crossing writes the presence row alone; rows written before are rebuilt as in version 3.
constexpr const char* kVersion6 = R"sql(
UPDATE zones SET read_model_seq = 0;
)sql";

// Reads the version; 0 when the database has no twoline schema yet.
Result<int64_t> ReadVersion(PgConnection& connection) {
  auto exists = connection.Query("SELECT to_regclass('twoline_schema') IS NOT NULL");
  if (!exists) return exists.error();
  if (!exists->Bool(0, 0)) return int64_t{0};
  auto version = connection.Query("SELECT coalesce(max(version), 0) FROM twoline_schema");
  if (!version) return version.error();
  return version->Int(0, 0);
}

Status ApplyMissing(PgConnection& connection, int* applied) {
  auto lock = connection.Query("SELECT pg_advisory_xact_lock($1)", PgParams().Int(kMigrationLock));
  if (!lock) return lock.error();
  Status status = connection.Execute(
      "CREATE TABLE IF NOT EXISTS twoline_schema (version bigint NOT NULL PRIMARY KEY, "
      "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())");
  if (!status) return status;
  auto version = ReadVersion(connection);
  if (!version) return version.error();
  if (*version > PgSchemaVersion()) {
    return Error{"postgres " + connection.server() + ": database schema version " +
                 std::to_string(*version) + " is newer than this build's (" +
                 std::to_string(PgSchemaVersion()) + ")"};
  }
  for (const PgMigration& migration : PgMigrations()) {
    if (migration.version <= *version) continue;
    if (status = connection.Execute(migration.sql); !status) {
      return Error{"migration " + std::to_string(migration.version) + ": " + status.message()};
    }
    auto recorded =
        connection.Query("INSERT INTO twoline_schema (version, description) VALUES ($1, $2)",
                         PgParams().Int(migration.version).Text(migration.description));
    if (!recorded) return recorded.error();
    if (applied != nullptr) ++*applied;
  }
  return Status::Ok();
}

}  // namespace

const std::vector<PgMigration>& PgMigrations() {
  static const std::vector<PgMigration> migrations = {
      {1, "journal, zones, read models, snapshots, tokens, zone leases, cluster nodes", kVersion1},
      {2, "leaf hashes of journal entries, signed checkpoints", kVersion2},
      {3, "documents, lots and day totals as read models (rebuilt)", kVersion3},
      {4, "held goods shown with nothing free in balances (rebuilt)", kVersion4},
      {5, "balances as view rows, one row per live lot (rebuilt)", kVersion5},
      {6, "person rows without presence (rebuilt)", kVersion6},
  };
  return migrations;
}

int64_t PgSchemaVersion() { return PgMigrations().back().version; }

Status MigratePg(PgConnection& connection, int* applied) {
  if (applied != nullptr) *applied = 0;
  return InTransaction(connection, "READ COMMITTED",
                       [&] { return ApplyMissing(connection, applied); });
}

Status CheckPgSchema(PgConnection& connection) {
  auto version = ReadVersion(connection);
  if (!version) return version.error();
  if (*version == 0) {
    return Error{"postgres " + connection.server() +
                 ": not a twoline database (no twoline_schema)"};
  }
  if (*version != PgSchemaVersion()) {
    return Error{"postgres " + connection.server() + ": database schema version " +
                 std::to_string(*version) + " is not the version this build reads (" +
                 std::to_string(PgSchemaVersion()) + ")"};
  }
  return Status::Ok();
}

}  // namespace twoline::store
