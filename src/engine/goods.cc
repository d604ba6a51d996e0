// Goods commands (SPEC behaviours 6-13): dispatch from the engine to the goods deciders
// (goods_declare.cc, goods_process.cc, goods_lifecycle.cc), and Apply, which executes a decided
// GoodsPlan: the ledger operations first (each Execute CHECKs the ledger's invariants), then the
// declaration, process and stocktake records. Rule ids are listed in docs/ledger.md.
#include "base/check.h"
#include "base/decimal.h"
#include "engine/engine.h"
#include "engine/goods_plan.h"

namespace twoline::engine {

const char* DeclarationStateName(DeclarationState state) {
  static const char* kNames[] = {"accepted", "held", "released", "posted", "cancelled", "refused"};
  return kNames[static_cast<int>(state)];
}

std::optional<policy::Line> LineOf(DeclarationKind kind) {
  switch (kind) {
    case DeclarationKind::kFirstLineIn:
    case DeclarationKind::kFirstLineOut:
      return policy::Line::kFirst;
    case DeclarationKind::kSecondLineIn:
    case DeclarationKind::kSecondLineOut:
      return policy::Line::kSecond;
    default:
      return std::nullopt;
  }
}

bool IsInbound(DeclarationKind kind) {
  return kind == DeclarationKind::kFirstLineIn || kind == DeclarationKind::kSecondLineIn;
}

Decision AcceptedDecision(const Command& command) {
  Decision decision;
  decision.id = command.id;
  decision.outcome = Outcome::kAccepted;
  return decision;
}

Decision RejectedDecision(const Command& command, std::string rule, std::string detail) {
  Decision decision;
  decision.id = command.id;
  decision.outcome = Outcome::kRejected;
  if (!rule.empty()) decision.Add(std::move(rule), std::move(detail));
  return decision;
}

GoodsEvent MakeEvent(const Command& command, std::string what, std::string detail) {
  return GoodsEvent{command.id, command.at.unix_seconds, std::move(what), std::move(detail)};
}

std::string ShortfallDetail(const ledger::Ledger& ledger, const std::string& party,
                            const std::string& sku, int64_t wanted_milli, int64_t free_milli) {
  using ledger::AccountKey;
  using ledger::Status;
  int64_t reserved = 0;
  for (Status status : {Status::kBonded, Status::kTaxFree, Status::kDutyPaid, Status::kDomestic}) {
    reserved += ledger.AccountBalance(AccountKey::Internal(party, sku, status)).reserved_milli;
  }
  int64_t held =
      ledger.AccountBalance(AccountKey::Internal(party, sku, Status::kHeld)).quantity_milli;
  int64_t refused =
      ledger.AccountBalance(AccountKey::Internal(party, sku, Status::kRefused)).quantity_milli;
  std::string text = party + " needs " + FormatQuantity(wanted_milli) + " of " + sku + " but has " +
                     FormatQuantity(free_milli) + " free";
  if (reserved > 0) text += "; " + FormatQuantity(reserved) + " reserved by pending declarations";
  if (held > 0) text += "; " + FormatQuantity(held) + " held for inspection";
  if (refused > 0) {
    text += "; " + FormatQuantity(refused) +
            " refused (may only leave through the first line or be scrapped)";
  }
  return text;
}

Decision Engine::DecideGoods(const Command& command, const Hash256& previous) const {
  GoodsContext context{*profile_, state_, command, LocalDateOf(*profile_, command), previous};
  switch (command.type) {
    case CommandType::kDeclare:
      return DecideDeclare(context, std::get<DeclareBody>(command.body));
    case CommandType::kProcess:
      return DecideProcess(context, std::get<ProcessBody>(command.body));
    case CommandType::kRelease:
      return DecideRelease(context, std::get<ReleaseBody>(command.body));
    case CommandType::kInspect:
      return DecideInspect(context, std::get<InspectBody>(command.body));
    case CommandType::kCancel:
      return DecideCancel(context, std::get<CancelBody>(command.body));
    case CommandType::kStocktake:
      return DecideStocktake(context, std::get<StocktakeBody>(command.body));
    default:
      CHECK(false);  // Engine::Decide routes only goods commands here
  }
  return InvalidDecision(command.id, "not a goods command");
}

void Engine::ApplyGoods(const Command& command, const Decision& decision) {
  CHECK(decision.plan != nullptr);  // every journaled, non-rejected goods decision has a plan
  const GoodsPlan& plan = *decision.plan;
  GoodsState& goods = state_.goods;
  Date date = LocalDateOf(*profile_, command);
  goods.ledger.Execute(plan.operations, date);
  if (plan.new_declaration) {
    CHECK(goods.declarations.Insert(plan.new_declaration->id, *plan.new_declaration));
    goods.NoteDocumentKey(plan.new_declaration->id);
  }
  for (const DeclarationUpdate& update : plan.updates) {
    DeclarationRecord* found = goods.declarations.FindMutable(update.declaration);
    CHECK(found != nullptr);
    DeclarationRecord& record = *found;
    record.state = update.state;
    if (update.inspection_passed) record.inspection_passed = update.inspection_passed;
    if (update.state == DeclarationState::kReleased) {
      record.released_gate = update.released_gate;
      record.released_on = date;
    }
    record.events.push_back(update.event);
  }
  if (plan.process) {
    CHECK(goods.processes.emplace(plan.process->id, *plan.process).second);
    goods.NoteDocumentKey(plan.process->id);
  }
  if (plan.stocktake) goods.stocktakes.push_back(*plan.stocktake);
}

}  // namespace twoline::engine
