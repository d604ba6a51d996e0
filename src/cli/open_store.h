// StoreLocation and OpenStore: where a command's database lives — the embedded SQLite file
// (`--db FILE`) or a PostgreSQL database (`--postgres CONNINFO`, a libpq connection string or URI,
// multi-host strings included) — and the one function every subcommand opens it with, so that each
// subcommand accepts both without knowing which backend it got.
//
// A location converts implicitly from a path, so code that passes a file path keeps working. Its
// name() is what messages show: the path, or "postgres://HOST:PORT/DB" without the password or any
// other secret of the conninfo.
// Thread-safety: value types and a free function with no shared state.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace twoline::cli {

struct StoreLocation {
  StoreLocation() = default;
  StoreLocation(std::string path) : db_path(std::move(path)) {}  // NOLINT: implicit by design
  static StoreLocation Postgres(std::string conninfo);

  bool empty() const { return db_path.empty() && postgres.empty(); }
  bool is_postgres() const { return !postgres.empty(); }
  std::string name() const;

  std::string db_path;   // SQLite file
  std::string postgres;  // PostgreSQL conninfo
};

enum class StoreAccess {
  kRead,    // verify, query, export, token list: the database must exist at this build's version
  kWrite,   // token revoke: the database must exist (its schema is migrated when older)
  kCreate,  // run, import, serve, token create: created when absent
};

// Opens the store. `read_connections_max` bounds the concurrent readers (a CLI command needs 2, a
// server about one per connection thread).
Result<std::unique_ptr<store::Store>> OpenStore(const StoreLocation& location, StoreAccess access,
                                                size_t read_connections_max);

}  // namespace twoline::cli
