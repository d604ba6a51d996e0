// GoodsPlan: what a goods decision will do when applied — the ledger operations and the record
// changes that Decide worked out. Decide builds it from a read-only view of the state (so that it
// stays pure); Apply executes it verbatim. Replay re-decides every command, so a plan is never
// stored: the journal holds the command and the decision, and the plan follows from them.
// Also declares the goods deciders shared by the goods_*.cc files (engine-internal).
// Thread-safety: a value type, immutable once attached to a Decision.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/goods_state.h"
#include "ledger/ledger.h"

namespace twoline::engine {

struct DeclarationUpdate {
  std::string declaration;
  DeclarationState state = DeclarationState::kAccepted;
  std::optional<bool> inspection_passed;
  std::string released_gate;  // set when released
  GoodsEvent event;
};

struct GoodsPlan {
  std::vector<ledger::Operation> operations;
  std::optional<DeclarationRecord> new_declaration;
  std::vector<DeclarationUpdate> updates;
  std::optional<ProcessRecord> process;
  std::optional<StocktakeRecord> stocktake;
};

// What every goods decider reads: the profile, the state and the command, and the local date.
struct GoodsContext {
  const policy::Profile& profile;
  const State& state;
  const Command& command;
  Date date = 0;
  Hash256 previous{};  // hash of the journal entry before this command's: the sampling draw uses it
};

// Limits on single goods amounts, beyond the parser's: one line may not exceed a billion units or a
// trillion in value, which keeps every sum the ledger forms far inside int64.
inline constexpr int64_t kLineQuantityMilliMax = 1'000'000'000'000;  // 10^9 units
inline constexpr int64_t kLineValueCentsMax = 100'000'000'000'000;   // 10^12 currency units

Decision DecideDeclare(const GoodsContext& context, const DeclareBody& body);
Decision DecideProcess(const GoodsContext& context, const ProcessBody& body);
Decision DecideStocktake(const GoodsContext& context, const StocktakeBody& body);
Decision DecideRelease(const GoodsContext& context, const ReleaseBody& body);
Decision DecideInspect(const GoodsContext& context, const InspectBody& body);
Decision DecideCancel(const GoodsContext& context, const CancelBody& body);

// The line a declaration kind crosses (first_line_* and second_line_*); nullopt for transfer,
// consume and scrap, which cross none.
std::optional<policy::Line> LineOf(DeclarationKind kind);
bool IsInbound(DeclarationKind kind);  // first_line_in, second_line_in

// Shared helpers.
Decision AcceptedDecision(const Command& command);
Decision RejectedDecision(const Command& command, std::string rule, std::string detail);
GoodsEvent MakeEvent(const Command& command, std::string what, std::string detail);
// "P-LAB has 50 of OIL free" style text for ledger refusals.
std::string ShortfallDetail(const ledger::Ledger& ledger, const std::string& party,
                            const std::string& sku, int64_t wanted_milli, int64_t free_milli);

}  // namespace twoline::engine
