// The store forms of the subcommands (SPEC §5): `run`, `verify` and `query` on any backend (`--db`,
// the embedded SQLite store, store/sqlite_store.h, one chain per zone; `--journal`, a JSON Lines
// journal file, store/journal_store.h, one zone; `--postgres`, a PostgreSQL database,
// store/pg_store.h), and `export` and `import` (journal file ↔ database).
//
// Output contracts:
//   run     one decision per input line, in order, written only after the batch holding it is
//           durable (group commit: up to RunOptions::batch_lines_max lines per transaction).
//   verify  for a database holding one zone (or with --zone): "ok <entries> <head-hash> state
//           <state-hash>", the same line `verify --journal` prints for that zone's exported journal;
//           for several zones one such line per zone, in zone order, each followed by " zone <id>".
//           Exit 1 naming the first bad zone and seq ("bad zone <id>: seq <n>: …").
//   export  writes one zone's journal as a JSON Lines file (verified first; written to a temporary
//           file, fsync'd, then renamed over the destination).
//   import  verifies a JSON Lines journal completely, then appends it to the database: into a new
//           zone, or onto a zone whose stored chain is a prefix of the file (the rest is appended).
// Thread-safety: each call owns its store and engines; no shared state.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "cli/journal_commands.h"
#include "base/result.h"
#include "store/store.h"

namespace twoline::cli {

// Where a command's journal lives: exactly one member is set (`--db FILE`, `--journal FILE`,
// `--postgres CONNINFO`: a libpq connection string or URI, store/pg_store.h). Every command below
// works on any Store backend through the same code (store/store.h).
struct StoreLocation {
  std::string db;
  std::string journal;
  std::string postgres;
  // For messages: the file, or postgres://HOST:PORT/DB (never a password from the conninfo).
  std::string Name() const;
};

// Opens the store at `location` (for reading only, or for writing, creating it when absent). An
// audit opening trusts no derived file (a journal's offsets index). Without `read_models` a journal
// keeps none in memory (JournalStoreOptions::read_models: for a process that answers no reads).
Result<std::unique_ptr<store::Store>> OpenStore(const StoreLocation& location, bool read_only,
                                                bool audit = false, bool read_models = true);
// Opens an existing store for writing (migrating an older schema), never creating one: for commands
// that keep something beside a journal (a checkpoint) but append nothing.
Result<std::unique_ptr<store::Store>> OpenExistingStore(const StoreLocation& location, bool audit);

// `twoline run`: one commit path for every backend (store::CommitBatch, pipelined group commits;
// decisions are written only once their entries are durable). Startup loads the newest valid
// snapshot and replays the tail; at the end a snapshot is written when RunOptions says it is due.
int RunStore(const RunOptions& options, const StoreLocation& location, std::istream& in,
             std::ostream& out, std::ostream& err);
// `twoline verify`: replays every entry from the first (the audit) or, with from_snapshot, checks
// the newest valid snapshot and replays only the tail.
int VerifyStore(const StoreLocation& location, const std::string& zone, bool from_snapshot,
                std::ostream& out, std::ostream& err);
// `twoline query`: from the stored read models where the store keeps them current, else from the
// engine (newest valid snapshot plus the tail).
int QueryStore(const StoreLocation& location, const QueryOptions& options, std::ostream& out,
               std::ostream& err);

// The database forms, for callers that name a database file.
int RunDb(const RunOptions& options, const std::string& db_path, std::istream& in,
          std::ostream& out, std::ostream& err);
int VerifyDb(const std::string& db_path, const std::string& zone, std::ostream& out,
             std::ostream& err);
int QueryDb(const std::string& db_path, const QueryOptions& options, std::ostream& out,
            std::ostream& err);

// `export` and `import` on a database: `location` names --db or --postgres.
int ExportDb(const StoreLocation& location, const std::string& zone, const std::string& journal_path,
             std::ostream& out, std::ostream& err);

int ImportDb(const std::string& journal_path, const StoreLocation& location, std::ostream& out,
             std::ostream& err);

}  // namespace twoline::cli
