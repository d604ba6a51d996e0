// The journal-file subcommands: `run`, `verify`, `query presence` (the database forms live in
// store_commands.h).
// Thread-safety: each call owns its engine; no shared state.
#pragma once

#include <iosfwd>
#include <string>

#include "engine/engine.h"

namespace twoline::cli {

struct RunOptions {
  std::string zone;
  std::string profile_path;  // optional: a profile file to put in force instead of the built-in
  std::string journal_path;
  size_t batch_lines_max = 4096;  // commands decided per durable append (group commit)
  // A database's read models (presence, person views, balances, reports) are written with the
  // group commit that ends each stretch of this many commands, and with the last: a row touched
  // by many commands of a stretch is written once. Every decision is durable in its own group
  // commit whatever this is; a run stopped in between leaves the read models behind, and the next
  // start brings them up to date from the journal (store/zone_set.h). A stretch's rows are written
  // by the store's views thread while the next stretch is decided, and the run's end waits for the
  // last stretch alone: the shorter the stretch, the less of that writing is left at the end, which
  // on a large database is most of it (docs/architecture.md, section 1).
  size_t read_models_every_commands = 16384;
  // A snapshot is written at the end of a run when at least this many entries were journaled
  // since the newest snapshot (0: never). Snapshots kept per zone: the newest `snapshots_kept`.
  uint64_t snapshot_every_entries = 50000;
  size_t snapshots_kept = 2;
  bool stats = false;  // print timings (startup, deciding, snapshot) to the error stream
};

// Reads JSON Lines commands from `in`, writes one decision per line to `out`, appends journaled
// entries to the journal file (fdatasync before the decisions of a batch are written). Exit status
// 0 when every line was processed; 1 when the journal cannot be opened or written.
int RunJournal(const RunOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

// `verify --journal FILE`: exit 0 printing "ok <entries> <head-hash> state <state-hash>", else 1
// naming the first bad seq.
int VerifyJournal(const std::string& journal_path, std::ostream& out, std::ostream& err);

// `query presence|balance|trace|report --journal FILE [--format table]` and their arguments.
struct QueryOptions {
  std::string what;         // presence, balance, declaration, trace, report
  std::string zone;         // optional when the store holds one zone
  std::string party;        // balance
  std::string declaration;  // trace
  std::string from, to;     // report: YYYY-MM-DD, inclusive
  bool table = false;
};
// Answers a query from an engine's state (journal and database forms share it).
int AnswerQuery(const engine::Engine& engine, const QueryOptions& options, std::ostream& out,
                std::ostream& err);


}  // namespace twoline::cli
