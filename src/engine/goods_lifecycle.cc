// The life of a declaration after `declare` (SPEC behaviours 8, 10, 11): `release` at a goods gate
// posts it, `cancel` voids it, `inspect` clears or refuses a held one.
//
// Release is all or nothing: when one listed declaration may not pass, the command is rejected with
// a reason for every one that may not, and nothing moves. Reasons, in precedence order: the gate
// (not a goods gate, not in service), then each declaration in the order listed.
#include <algorithm>
#include <set>

#include "base/check.h"
#include "base/decimal.h"
#include "engine/goods_plan.h"
#include "engine/goods_rules.h"

namespace twoline::engine {
namespace {

using ledger::Status;

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The id a record shows in reasons: never its key's "@PARTY", which would tell a declarant that
// another party uses the id (GoodsState: document names).
std::string Name(const DeclarationRecord& record) {
  return std::string(GoodsState::DocumentName(record.id));
}

std::string HoldRules(const DeclarationRecord& record) {
  std::string rules;
  for (const std::string& rule : record.hold_rules) rules += (rules.empty() ? "" : ", ") + rule;
  return rules;
}

std::optional<Reason> StateRefusal(const DeclarationRecord& record, std::string_view prefix) {
  const std::string id = Name(record);
  switch (record.state) {
    case DeclarationState::kReleased:
      return Reason{std::string(prefix) + ".already-released", id + " was released at gate " +
                                                                   record.released_gate + " on " +
                                                                   FormatDate(record.released_on)};
    case DeclarationState::kCancelled:
      return Reason{prefix == "cancel" ? "cancel.already-cancelled" : "release.cancelled",
                    id + " was cancelled"};
    case DeclarationState::kRefused:
      return Reason{std::string(prefix) + ".refused",
                    id + " failed inspection: its goods are refused and may only leave through the "
                         "first line or be scrapped"};
    case DeclarationState::kPosted:
      return Reason{
          std::string(prefix) + ".already-posted",
          id + " is a " + DeclarationKindName(record.kind) + ", posted when it was accepted"};
    default:
      return std::nullopt;
  }
}

std::optional<Reason> ReleaseRefusal(const DeclarationRecord& record, const policy::Gate& gate) {
  std::optional<policy::Line> line = LineOf(record.kind);
  if (!line) {
    return Reason{"release.no-gate-needed",
                  Name(record) + " is a " + DeclarationKindName(record.kind) +
                      ": it crosses no line and was posted when accepted"};
  }
  if (record.state == DeclarationState::kHeld) {
    return Reason{"release.held", Name(record) + " is held for inspection (" + HoldRules(record) +
                                      "): an inspect with result pass must clear it first"};
  }
  if (auto refusal = StateRefusal(record, "release")) return refusal;
  if (*line != gate.line) {
    return Reason{"release.wrong-line", Name(record) + " is a " + DeclarationKindName(record.kind) +
                                            " declaration; gate " + gate.id + " is on the " +
                                            policy::LineName(gate.line) + " line"};
  }
  return std::nullopt;
}

// Operations that make an inbound declaration's goods pass (release) into the ledger.
void PlanInboundRelease(const ledger::Ledger& ledger, const DeclarationRecord& record,
                        std::vector<ledger::Operation>* operations) {
  if (!record.held_lots) {
    operations->push_back(ledger::Post{record.id, std::nullopt});
    return;
  }
  for (uint64_t id : ledger.LotsCreatedBy(record.id)) {
    const ledger::Lot& lot = *ledger.FindLot(id);
    if (lot.status != Status::kHeld) continue;
    operations->push_back(ledger::ChangeStatus{record.id, id, lot.spec.release_status});
  }
}

}  // namespace

Decision DecideRelease(const GoodsContext& context, const ReleaseBody& body) {
  const policy::Gate* gate = context.profile.FindGate(body.gate);
  if (gate == nullptr) {
    return InvalidDecision(context.command.id,
                           "unknown gate " + Quoted(body.gate) + " in zone " + context.profile.id);
  }
  std::set<std::string_view> seen;
  std::set<std::string> seen_keys;
  std::vector<Reason> refusals;
  std::vector<const DeclarationRecord*> records;
  for (const std::string& id : body.declarations) {
    if (!seen.insert(id).second) {
      return InvalidDecision(context.command.id, "declaration " + Quoted(id) + " listed twice");
    }
    std::string error;
    std::string key = context.state.goods.ResolveDocument(id, context.command.IdScope(), &error);
    if (key.empty()) return InvalidDecision(context.command.id, error);
    if (!seen_keys.insert(key).second) {
      return InvalidDecision(context.command.id, "declaration " + Quoted(id) + " listed twice");
    }
    const DeclarationRecord* record = context.state.goods.FindDeclaration(key);
    if (record != nullptr) {
      records.push_back(record);
    } else {
      refusals.push_back(
          {"release.no-gate-needed", id + " is a process: processing is posted when accepted"});
    }
  }
  if (gate->lane != policy::Lane::kGoods) {
    return RejectedDecision(context.command, "release.not-goods-gate",
                            "gate " + gate->id + " is a " + policy::LaneName(gate->lane) +
                                " lane; goods are released at goods gates");
  }
  if (!gate->effective.InForce(context.date)) {
    return RejectedDecision(
        context.command, "gate.not-in-service",
        "gate " + gate->id + " is not in service on " + FormatDate(context.date));
  }
  for (const DeclarationRecord* record : records) {
    if (auto refusal = ReleaseRefusal(*record, *gate)) refusals.push_back(*refusal);
  }
  if (!refusals.empty()) {
    Decision decision = RejectedDecision(context.command, "", "");
    decision.reasons = std::move(refusals);
    return decision;
  }
  auto plan = std::make_shared<GoodsPlan>();
  std::string detail =
      "at gate " + gate->id + (body.vehicle.empty() ? "" : " on vehicle " + body.vehicle);
  for (const DeclarationRecord* record : records) {
    if (IsInbound(record->kind)) {
      PlanInboundRelease(context.state.goods.ledger, *record, &plan->operations);
    } else {
      plan->operations.push_back(ledger::Post{record->id, std::nullopt});
    }
    plan->updates.push_back({record->id, DeclarationState::kReleased, std::nullopt, gate->id,
                             MakeEvent(context.command, "released", detail)});
  }
  Decision decision = AcceptedDecision(context.command);
  decision.plan = plan;
  return decision;
}

Decision DecideCancel(const GoodsContext& context, const CancelBody& body) {
  std::string error;
  const std::string key =
      context.state.goods.ResolveDocument(body.declaration, context.command.IdScope(), &error);
  if (key.empty()) return InvalidDecision(context.command.id, error);
  const DeclarationRecord* record = context.state.goods.FindDeclaration(key);
  if (record == nullptr) {
    return RejectedDecision(context.command, "cancel.already-posted",
                            body.declaration + " is a process, posted when it was accepted");
  }
  if (auto refusal = StateRefusal(*record, "cancel")) {
    if (record->state == DeclarationState::kReleased) {
      refusal->detail += ": goods that passed a gate cannot be withdrawn; declare their return";
    }
    return RejectedDecision(context.command, refusal->rule, refusal->detail);
  }
  // The sampling draw must not be steerable (SPEC behaviour 11): a declarant who could withdraw a
  // declaration once it is selected, and declare the goods again under a new id, would draw until
  // it is not. A declaration selected by sampling is cancelled by an officer or an admin (who may
  // inspect it first), or by its declarant once its inspection has decided. Holds by rule need no
  // such care: declared again, the goods meet the same rule.
  const bool sampled = std::find(record->hold_rules.begin(), record->hold_rules.end(),
                                 "inspection.sampled") != record->hold_rules.end();
  if (record->state == DeclarationState::kHeld && sampled && context.command.received &&
      context.command.received->role == "declarant") {
    return RejectedDecision(context.command, "cancel.under-inspection",
                            Name(*record) +
                                " is selected for inspection (inspection.sampled): its declarant "
                                "may cancel it once the inspection has decided; an officer may "
                                "cancel it now");
  }
  auto plan = std::make_shared<GoodsPlan>();
  const ledger::Ledger& ledger = context.state.goods.ledger;
  if (record->held_lots) {
    // The held goods go back where they came from.
    ledger::Planner planner(ledger);
    std::vector<ledger::Slice> slices;
    for (uint64_t id : ledger.LotsCreatedBy(record->id)) {
      const ledger::Lot& lot = *ledger.FindLot(id);
      if (lot.status == Status::kHeld && lot.Free().quantity_milli > 0) {
        slices.push_back(planner.TakeLot(id));
      }
    }
    ledger::Destination back;
    back.account = record->kind == DeclarationKind::kFirstLineIn
                       ? ledger::External::kOutsideFirstLine
                       : ledger::External::kOutsideSecondLine;
    if (!slices.empty()) {
      plan->operations.push_back(ledger::Reserve{record->id, record->declarant, slices, back});
      plan->operations.push_back(ledger::Post{record->id, std::nullopt});
    }
  } else {
    plan->operations.push_back(ledger::Void{record->id});
  }
  plan->updates.push_back({record->id, DeclarationState::kCancelled, std::nullopt, "",
                           MakeEvent(context.command, "cancelled", "")});
  Decision decision = AcceptedDecision(context.command);
  decision.plan = plan;
  return decision;
}

namespace {

// A hold for a test is cleared only by measurements of every limited nuclide group.
std::optional<Reason> MissingMeasurements(const GoodsContext& context, const InspectBody& body) {
  std::string missing;
  for (const policy::RadiationLimit& limit : context.profile.goods.radiation_limits) {
    bool measured = false;
    for (const Measurement& m : body.measurements) {
      for (const std::string& nuclide : limit.nuclides) measured |= m.nuclide == nuclide;
    }
    if (measured) continue;
    for (const std::string& nuclide : limit.nuclides)
      missing += (missing.empty() ? "" : ", ") + nuclide;
  }
  if (missing.empty()) return std::nullopt;
  return Reason{"inspection.measurements-required",
                body.declaration + " is held for a radiation test: measurements of " + missing +
                    " are needed to clear it"};
}

std::vector<Reason> FailureReasons(const GoodsContext& context, const InspectBody& body) {
  std::vector<Reason> reasons;
  for (const ExceededLimit& limit : JudgeMeasurements(context.profile.goods, body.measurements)) {
    reasons.push_back(
        {"radiation.limit-exceeded", limit.nuclides + " " + FormatQuantity(limit.milli_bq_per_kg) +
                                         " Bq/kg exceeds the limit of " +
                                         FormatQuantity(limit.max_milli_bq_per_kg) + " Bq/kg"});
  }
  if (body.pass && !*body.pass) {
    reasons.push_back({"inspection.failed", "the inspection found " + body.declaration +
                                                " not in conformity: the goods are refused"});
  }
  return reasons;
}

void PlanInspectionResult(const GoodsContext& context, const DeclarationRecord& record, bool pass,
                          GoodsPlan* plan) {
  const ledger::Ledger& ledger = context.state.goods.ledger;
  DeclarationState state = DeclarationState::kAccepted;
  if (pass && !LineOf(record.kind)) {
    plan->operations.push_back(ledger::Post{record.id, std::nullopt});
    state = DeclarationState::kPosted;
  } else if (!pass && record.held_lots) {
    for (uint64_t id : ledger.LotsCreatedBy(record.id)) {
      if (ledger.FindLot(id)->status != Status::kHeld) continue;
      plan->operations.push_back(ledger::ChangeStatus{record.id, id, Status::kRefused});
    }
    state = DeclarationState::kRefused;
  } else if (!pass) {
    ledger::Destination refused;
    refused.external = false;
    refused.party = record.declarant;
    refused.status = Status::kRefused;
    refused.source = ledger::LotSource::kStatusChange;
    plan->operations.push_back(ledger::Post{record.id, refused});
    state = DeclarationState::kRefused;
  }
  std::string detail = pass ? "pass" : "fail";
  plan->updates.push_back(
      {record.id, state, pass, "", MakeEvent(context.command, "inspected", detail)});
}

}  // namespace

Decision DecideInspect(const GoodsContext& context, const InspectBody& body) {
  std::string error;
  const std::string key =
      context.state.goods.ResolveDocument(body.declaration, context.command.IdScope(), &error);
  if (key.empty()) return InvalidDecision(context.command.id, error);
  const DeclarationRecord* record = context.state.goods.FindDeclaration(key);
  if (record == nullptr || record->state != DeclarationState::kHeld) {
    std::string state = record == nullptr ? "a process" : DeclarationStateName(record->state);
    return RejectedDecision(
        context.command, "inspection.not-held",
        body.declaration + " is " + state + ", not held: there is no inspection pending");
  }
  std::vector<Reason> failures = FailureReasons(context, body);
  bool pass = failures.empty();
  if (pass && record->needs_measurements) {
    if (auto missing = MissingMeasurements(context, body)) {
      return RejectedDecision(context.command, missing->rule, missing->detail);
    }
  }
  auto plan = std::make_shared<GoodsPlan>();
  PlanInspectionResult(context, *record, pass, plan.get());
  Decision decision = AcceptedDecision(context.command);
  decision.reasons = std::move(failures);
  decision.SetExtra("inspection", pass ? "\"pass\"" : "\"fail\"");
  decision.plan = plan;
  return decision;
}

}  // namespace twoline::engine
