// ReadModelTracker: keeps a zone's read models (presence, and balances with lots; store.h) in step
// with its journal, and remembers who declared what (for the declarant role's rules).
//
// The writer shows the tracker every journaled command (live or replayed). From the command alone the
// tracker learns which rows it may have changed: a `cross` touches its person's presence; `declare`
// touches the balances of its declarant and counterparty; `process`, `stocktake` and
// `register_party` touch their party's balance; `release`, `inspect` and `cancel` touch the parties
// of the declarations they name (remembered from each `declare`). A party's balance and lots change
// only through documents it is a party to, so these sets are complete. After a batch, Take() reads
// the engine's current state for exactly those rows, so each row written equals what a full rebuild
// would write (the conformance tests check this on simulated days).
//
// Declarations are deliberately not a read model: their view includes a trace with the current
// balance of every lot it reaches, which documents of other parties change too (goods transferred
// on), so no command-derived set of touched rows would be complete; they are read from the engine.
//
// Reading the engine after the batch rather than computing deltas keeps the read models correct by
// construction: the engine is the single source of truth, the tracker only decides what to re-read.
// Thread-safety: none; used by the thread that owns the zone's Chain.
#pragma once

#include <unordered_set>
#include <vector>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "engine/engine.h"
#include "engine/state.h"
#include "store/store.h"

namespace twoline::store {

class ReadModelTracker {
 public:
  // Records what a journaled command touches: from the parsed command as it is decided, or from its
  // canonical JSON (journal/entry.h) as it is replayed. Both read the same facts.
  void Observe(const engine::Command& command);
  void Observe(std::string_view command_json);
  // The changes for every row touched since the last Take, read from `engine` now; forgets them.
  ReadModelChanges Take(const engine::Engine& engine, uint64_t through_seq, bool replace_all);
  // Forgets what was touched (after a load whose read models were already current).
  void ClearTouched();
  bool HasTouched() const;

  // The party that declared `declaration`, or "" when no declare command named it.
  std::string DeclarantOf(std::string_view declaration) const;

 private:
  struct Parties {
    std::string declarant, counterparty;
  };
  // What a command says about the rows it may change.
  struct Facts {
    std::string_view person;    // cross
    std::string_view party;     // register_party, stocktake
    std::string_view declared;  // declare or process: its id, declarant and counterparty
    std::string_view declarant, counterparty;
    std::vector<std::string_view> declarations;  // release, inspect, cancel
  };
  void Record(const Facts& facts);
  void TouchDeclaration(std::string_view declaration);

  std::unordered_set<std::string> persons_, parties_;  // touched since the last Take
  engine::StringMap<Parties> parties_of_declaration_;
};

// Presence in the form of engine::PresenceJson (queries.h), from read-model rows: the same bytes for
// the same persons, whichever side answers.
std::string PresencePageJson(const std::string& zone, const PresencePage& page, size_t offset);

// The goods views, from the goods queries (engine/goods_queries.h); goods_views.cc is the one place
// that depends on them. An id that is neither a declaration nor a process the engine knows (a
// declare rejected before creating it) has no view.
std::string BalanceView(const engine::Engine& engine, const std::string& party);
std::optional<std::string> DeclarationView(const engine::Engine& engine, const std::string& id);
// A declaration's trace back to its admissions, and the flows report for local dates [from, to].
Result<std::string> TraceView(const engine::Engine& engine, const std::string& declaration);
Result<std::string> ReportView(const engine::Engine& engine, Date from, Date to);

}  // namespace twoline::store
