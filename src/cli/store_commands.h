// The database forms of the subcommands (SPEC §5): `run --db`, `verify --db`, `query … --db`,
// `export` and `import` (JSON Lines journal ↔ database). The database is the embedded SQLite store
// (store/sqlite_store.h) or, with --postgres, a PostgreSQL database (store/pg_store.h; opened by
// cli/open_store.h); one database holds one chain per zone.
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
#include <string>

#include "cli/journal_commands.h"
#include "cli/open_store.h"

namespace twoline::cli {

// `run --zone ID [--profile FILE] --db FILE`: as RunJournal, on the database.
int RunDb(const RunOptions& options, const StoreLocation& db_path, std::istream& in,
          std::ostream& out, std::ostream& err);

// `verify --db FILE [--zone ID]`. Also checks that the read models agree with a replay.
int VerifyDb(const StoreLocation& db_path, const std::string& zone, std::ostream& out,
             std::ostream& err);

// QueryOptions is declared in cli/journal_commands.h (shared with the journal form).

// `query WHAT --db FILE …`: presence and balance JSON from the read models (the same bytes as
// AnswerQuery on a replayed engine); declarations, traces, reports and tables from a replay.
int QueryDb(const StoreLocation& db_path, const QueryOptions& options, std::ostream& out,
            std::ostream& err);

// `export --db FILE [--zone ID] --journal FILE`.
int ExportDb(const StoreLocation& db_path, const std::string& zone, const std::string& journal_path,
             std::ostream& out, std::ostream& err);

// `import --journal FILE --db FILE`.
int ImportDb(const std::string& journal_path, const StoreLocation& db_path, std::ostream& out,
             std::ostream& err);

}  // namespace twoline::cli
