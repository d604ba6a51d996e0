// ReadModelTracker: keeps a zone's read models (presence, balances with lots, and the declaration
// rows of the generic views; store.h) in step with its journal.
//
// The writer shows the tracker every journaled command (live or replayed). From the command alone the
// tracker learns which rows it may have changed: a `cross` touches its person's presence; `declare`
// and `process` touch their document and the balances of its declarant and counterparty;
// `register_party` and `stocktake` touch their party's balance; `release`, `inspect` and `cancel`
// touch the documents they name and, through them, their parties. A party's balance and lots change
// only through documents it is a party to, so these sets are complete. After a batch, Take() reads
// the engine's current state for exactly those rows, so each row written equals what a full rebuild
// would write (the conformance tests check this on simulated days), and the cost of a batch is the
// rows it touched: nothing is rescanned as the journal grows. A rebuild (replace_all) enumerates
// every row from the engine instead, so it is correct after a snapshot load too.
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
  // The engine whose state the tracker reads (the zone's Chain's); set once by the ZoneSet.
  void Attach(const engine::Engine* engine) { engine_ = engine; }
  // Records what a journaled command touches (the parsed command, as decided or replayed). With
  // the entry's seq and canonical decision, a crossing also gets its "crossing" row.
  void Observe(const engine::Command& command);
  void Observe(const engine::Command& command, uint64_t seq, std::string_view decision);
  // The changes for every row touched since the last Take, read from `engine` now; forgets them.
  ReadModelChanges Take(const engine::Engine& engine, uint64_t through_seq, bool replace_all);
  // Forgets what was touched (after a load whose read models were already current).
  void ClearTouched();
  bool HasTouched() const;

  // The party that declared `declaration` (or ran the process), or "" when unknown.
  std::string DeclarantOf(std::string_view declaration) const;

 private:
  const engine::Engine* engine_ = nullptr;
  // Touched since the last Take.
  std::unordered_set<std::string> persons_, parties_, documents_;
  std::vector<ViewRow> crossings_;  // rows of the crossings journaled since the last Take
};

// Presence in the form of engine::PresenceJson (queries.h), from read-model rows: the same bytes for
// the same persons, whichever side answers.
// The declaration list row of a document, from the engine (nullopt when unknown).
std::optional<ViewRow> DeclarationRow(const engine::Engine& engine, const std::string& id);
// The "person" row: {"id","name","nationality","resident_of","birth_date","affiliation","documents":
// [{"type","number","valid_from","valid_until"}],"lists","inside","entered_at"?,"entered_gate"?}.
std::optional<ViewRow> PersonRow(const engine::Engine& engine, const std::string& id);
// Key of a row that sorts by seq (zero-padded to 20 digits).
std::string SeqKey(uint64_t seq);

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
