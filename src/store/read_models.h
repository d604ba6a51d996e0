// ReadModelTracker: keeps a zone's read models (presence and the generic view rows of store.h) in
// step with its journal.
//
// The generic rows, by kind (key; owner; state; json):
//   person       person id; -; -; PersonRow below: the registration, without presence, so that a
//                crossing rewrites the presence row alone (PersonJson joins the two when read).
//   crossing     SeqKey(seq); person; outcome; the crossing and its decision.
//   declaration  document id; declarant; state; a line of the declarations list
//                (engine::DeclarationSummaryJson).
//   document     document id; declarant; state; the declaration view without its trace
//                (engine::DocumentJson): the trace is assembled from "lot" rows when read
//                (goods_reads.h), so that a lot's change is written once, not into every document
//                whose trace reaches it.
//   lot          LotKey(id); party; status; {"lot": engine::LotJson, "admission": engine::
//                AdmissionJson or null}: one lot as a trace shows it, with its parents.
//   balance      party id; party; -; the party's balance without its lots
//                (engine::BalanceSummaryJson).
//   balance_lot  "<party> <sku> " + LotKey(id); party; status; one live lot as the balance lists
//                it (engine::BalanceLotJson), erased when the lot is used up. A balance is read
//                as its "balance" row and its party's "balance_lot" rows in key order
//                (goods_reads.h ReadBalance), so that a command rewrites the lots it touched, not
//                every lot the party holds.
//   open         declaration id; declarant; state; {"held": report entry or null, "open": report
//                entry, "customs_duty_fen", "import_vat_fen", "taxed"}: the declarations held or
//                accepted now, for the report (erased when they leave that state).
//   refused      "<party> <sku>"; party; -; the report's "refused" entry (erased at zero).
//   flow         "<date> <line> <direction>"; -; -; {"date","line","direction","declarations",
//                "lines","value_fen","customs_duty_fen","import_vat_fen","taxed_declarations",
//                "exempted_fen"}: the declarations released that day, and what they collected.
//   movement     "<date> <kind>"; -; -; {"date","kind","documents"}: transfers, consumption,
//                scrapping and processing posted that day.
//   stocktake    "<date> " + SeqKey(n) (the zone's n-th stocktake); party; -; the report's
//                "stocktakes" entries of its lines that differed.
// Multi-part keys join their parts with a space, which sorts before every id character, so that
// keys sort as the tuples they stand for; dates are YYYY-MM-DD, so a day range is a key range.
//
// The writer shows the tracker every journaled command (live or replayed), right after the engine
// applied it. From the command alone the tracker learns which rows it may have changed: a `cross`
// touches its person's presence; `declare` and `process` touch their document and the balances of
// its declarant and counterparty; `register_party` and `stocktake` touch their party's balance;
// `release`, `inspect` and `cancel` touch the documents they name and, through them, their parties.
// The ledger names the lots its last operations touched (ledger::Ledger::last_touched_lots). After a
// batch, Take() reads the engine's current state for exactly those rows, so each row written equals
// what a full rebuild would write (the conformance tests check this on simulated days), and the cost
// of a batch is the rows it touched: nothing is rescanned as the journal grows. A rebuild
// (replace_all) enumerates every row from the engine instead, so it is correct after a snapshot load
// too.
//
// Reading the engine after the batch rather than computing deltas keeps the read models correct by
// construction: the engine is the single source of truth, the tracker only decides what to re-read.
// The exception is "flow" and "movement": sums over a day that the engine does not keep. The tracker
// adds each declaration when it is released or posted (and each process) to its day's totals, which
// it holds for every day of the zone (a few hundred bytes a day: this grows with the days of
// history, not with commands): filled by a rebuild, or read from the store when a zone whose read
// models are current is loaded (LoadTotals), or empty for a new zone (StartTotals). Until then
// incremental batches do not write them.
// Thread-safety: none; used by the thread that owns the zone's Chain.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "engine/engine.h"
#include "engine/goods_queries.h"
#include "engine/state.h"
#include "store/store.h"

namespace twoline::store {

class ReadModelTracker {
 public:
  // The engine whose state the tracker reads (the zone's Chain's); set once by the ZoneSet.
  void Attach(const engine::Engine* engine) { engine_ = engine; }
  bool attached() const { return engine_ != nullptr; }
  // Records what a journaled command touches (the parsed command, as decided or replayed, right
  // after the engine applied it), given the entry's seq and canonical decision.
  void Observe(const engine::Command& command, uint64_t seq, std::string_view decision);
  // The changes for every row touched since the last Take, read from `engine` now; forgets them.
  ReadModelChanges Take(const engine::Engine& engine, uint64_t through_seq, bool replace_all);
  // The same, but each view row (ReadModelChanges::views) is handed to `each` as it is read
  // instead of being kept: a reader of every row of a long history (verify's check of the stored
  // read models) holds a piece of them at a time, not all of them (gigabytes after 30 days).
  using ViewRowSink = std::function<void(ViewRow&& row)>;
  ReadModelChanges Take(const engine::Engine& engine, uint64_t through_seq, bool replace_all,
                        const ViewRowSink& each);
  // The crossing rows journaled since the last Take, handed over now (a rebuild writes them in
  // pieces as it replays); and how many there are.
  std::vector<ViewRow> TakeCrossings() { return std::exchange(crossings_, {}); }
  size_t crossings_held() const { return crossings_.size(); }
  // Forgets what was touched (after a load whose read models were already current).
  void ClearTouched();
  bool HasTouched() const;
  // Forgets what was released, posted or processed, and the stocktakes, since the last Take, but
  // not the rows touched: for a load whose stored read models already hold the entries replayed so
  // far (their day totals and stocktake rows are stored; their rows are read again regardless).
  void ForgetTotalsPending();
  // The day totals ("flow", "movement" rows): read from `store` (a zone loaded with current read
  // models), or none yet (a zone created in this process).
  Status LoadTotals(Store& store, const std::string& zone);
  void StartTotals() { totals_known_ = true; }

 private:
  // The key of the document a command names in `scope` (a party, or "" for an officer), or the name
  // itself when the engine finds none.
  std::string DocumentKey(std::string_view name, std::string_view scope) const;
  void ObserveTouched(const engine::Command& command);
  void AddTotals(const engine::Engine& engine, bool replace_all, const ViewRowSink& emit);

  const engine::Engine* engine_ = nullptr;
  // Touched since the last Take.
  // persons_: registered or listed (their row is rewritten); crossed_: crossed (only their presence
  // changed).
  std::unordered_set<std::string> persons_, parties_, documents_, crossed_;
  std::set<uint64_t> lots_;
  std::vector<ViewRow> crossings_;  // rows of the crossings journaled since the last Take
  // Documents that may have been released, or posted without a gate, since the last Take (Take
  // checks their state), and processes run.
  std::set<std::string> released_, posted_, processes_;
  uint64_t executions_seen_ = 0;   // ledger executions already looked at
  size_t stocktakes_written_ = 0;  // stocktakes whose rows were written (or were current)
  // Day totals by row key, for every day of the zone once known.
  bool totals_known_ = false;
  std::map<std::string, engine::ReportFlow> flows_;
  std::map<std::string, engine::ReportMovement> movements_;
};

// Presence in the form of engine::PresenceJson (queries.h), from read-model rows: the same bytes for
// the same persons, whichever side answers.
std::string PresencePageJson(const std::string& zone, const PresencePage& page, size_t offset);
// The declaration list row of a document, from the engine (nullopt when unknown).
std::optional<ViewRow> DeclarationRow(const engine::Engine& engine, const std::string& id);
// The "person" row: {"id","name","nationality","resident_of","birth_date","affiliation","documents":
// [{"type","number","valid_from","valid_until"}],"lists"}.
std::optional<ViewRow> PersonRow(const engine::Engine& engine, const std::string& id);
// A person as the API shows them: their row's object with "inside" and, while inside,
// "entered_at" and "entered_gate" from their presence row.
std::string PersonJson(std::string_view row, const std::optional<PresenceRow>& presence);
// Key of a row that sorts by seq or count (zero-padded to 20 digits), and of a lot.
std::string SeqKey(uint64_t seq);
inline std::string LotKey(uint64_t lot) { return SeqKey(lot); }

// The goods rows (goods_views.cc, the one place that depends on the goods queries of
// engine/goods_queries.h besides the readers of goods_reads.h). Each returns nullopt for a thing the
// engine does not know; OpenRow and RefusedRow return an erasing row when there is nothing to show.
std::optional<ViewRow> BalanceRow(const engine::Engine& engine, const std::string& party);
// The lot's "balance_lot" row: the lot as its balance lists it while it is live (on hand), an
// erasing row once it is used up.
std::optional<ViewRow> BalanceLotRow(const engine::Engine& engine, uint64_t lot);
std::string BalanceLotKey(const std::string& party, const std::string& sku, uint64_t lot);
std::optional<ViewRow> DocumentRow(const engine::Engine& engine, const std::string& id);
std::optional<ViewRow> LotRow(const engine::Engine& engine, uint64_t lot);
std::optional<ViewRow> OpenRow(const engine::Engine& engine, const std::string& id);
ViewRow RefusedRow(const engine::Engine& engine, const std::string& party, const std::string& sku);
// The "stocktake" row of the zone's index-th stocktake; nullopt when none of its lines differed.
std::optional<ViewRow> StocktakeRow(const engine::Engine& engine, size_t index);
// Day totals as rows, and back.
std::string FlowKey(const engine::ReportFlow& flow);
ViewRow FlowRow(const engine::ReportFlow& flow);
Result<engine::ReportFlow> FlowOfRow(const ViewRow& row);
std::string MovementKey(const engine::ReportMovement& movement);
ViewRow MovementRow(const engine::ReportMovement& movement);
Result<engine::ReportMovement> MovementOfRow(const ViewRow& row);

}  // namespace twoline::store
