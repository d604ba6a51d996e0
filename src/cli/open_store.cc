#include "cli/open_store.h"

#include <libpq-fe.h>

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace twoline::cli {

StoreLocation StoreLocation::Postgres(std::string conninfo) {
  StoreLocation location;
  location.postgres = std::move(conninfo);
  return location;
}

std::string StoreLocation::name() const {
  if (!is_postgres()) return db_path;
  // Only host, port and database name: a conninfo may carry a password.
  std::string host, port, db;
  if (PQconninfoOption* options = PQconninfoParse(postgres.c_str(), nullptr)) {
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (option->val == nullptr) continue;
      std::string keyword = option->keyword;
      if (keyword == "host") host = option->val;
      if (keyword == "port") port = option->val;
      if (keyword == "dbname") db = option->val;
    }
    PQconninfoFree(options);
  }
  return "postgres://" + (host.empty() ? std::string("localhost") : host) +
         (port.empty() ? "" : ":" + port) + "/" + db;
}

Result<std::unique_ptr<store::Store>> OpenStore(const StoreLocation& location, StoreAccess access,
                                                size_t read_connections_max) {
  if (location.is_postgres()) {
    store::PgStoreOptions options;
    options.read_only = access == StoreAccess::kRead;
    options.read_connections_max = read_connections_max;
    auto opened = store::PgStore::Open(location.postgres, options);
    if (!opened) return opened.error();
    return std::unique_ptr<store::Store>(std::move(*opened));
  }
  store::SqliteOptions options;
  options.read_only = access == StoreAccess::kRead;
  options.create = access == StoreAccess::kCreate;
  options.read_connections_max = read_connections_max;
  auto opened = store::SqliteStore::Open(location.db_path, options);
  if (!opened) return opened.error();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

}  // namespace twoline::cli
