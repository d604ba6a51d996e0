// The PostgreSQL schema of a twoline database and its migrations.
//
// A database records which migrations it has had in `twoline_schema(version, description,
// applied_at)`; its schema version is the highest. Migrate brings a database to this build's
// version — every missing migration in order, all in ONE transaction under a transaction-scoped
// advisory lock, so that several nodes starting at once apply each migration exactly once and a
// failed migration leaves nothing half done. A database whose version is newer than this build is
// refused (an older binary must not write a schema it does not know); so is a read-only open of a
// database that is older or has no twoline schema.
//
// Tables (version 1):
//   journal(zone, seq, id, hash, line)         one row per entry, PRIMARY KEY (zone, seq); `line`
//   is
//                                              the entry's JSON line (journal/entry.h), `hash` its
//                                              32-byte SHA-256, `id` the command id (NULL:
//                                              profile).
//   zones(zone, entries, head, read_model_seq) per zone: the chain head that appends
//   compare-and-set. presence(zone, person, entered_at, gate)   read model: persons inside.
//   views(zone, kind, key, owner, state, json) generic read-model rows (store.h ViewRow), indexed
//   by
//                                              owner and by state.
//   snapshots(zone, seq, bytes)                engine snapshots (opaque, self-checking bytes).
//   tokens(id, secret_hash, role, zone, party, created_at, revoked_at)
//   zone_leases(zone, owner, epoch, expires_at, acquired_at, renewed_at)   pg_lease.h
//   cluster_nodes(node, advertise, started_at, seen_at)                    pg_lease.h
// Version 2:
//   journal.leaf                               the entry's 32-byte RFC 9162 leaf hash (NULL in
//                                              rows written before: computed from the line).
//   checkpoints(zone, size, note, signed_at)   signed checkpoints (store.h), PRIMARY KEY (zone,
//                                              size, note).
// Version 3: no new table; more kinds of `views` rows (store/read_models.h), so every zone's read
// models are marked lagging and rebuilt when the zone is next loaded.
// Version 4: rebuilt as in version 3 (held goods with nothing free). Version 5: no balances table
// (a balance is `views` rows: store/read_models.h), rebuilt as in version 3.
// Times of leases and nodes are the database server's clock (clock_timestamp()), never a node's.
// Thread-safety: functions use only the connection they are given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/pg_connection.h"

namespace twoline::store {

struct PgMigration {
  int64_t version;
  std::string description;
  std::string sql;
};

// Every migration, in version order (1, 2, …).
const std::vector<PgMigration>& PgMigrations();
// The version this build reads and writes: the last migration's.
int64_t PgSchemaVersion();

// Applies the missing migrations (see above). `applied` (optional) receives how many ran.
Status MigratePg(PgConnection& connection, int* applied = nullptr);
// Checks, without changing anything, that the database has exactly this build's version.
Status CheckPgSchema(PgConnection& connection);

}  // namespace twoline::store
