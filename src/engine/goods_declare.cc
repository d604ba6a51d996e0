// `declare` (SPEC §2, behaviours 6-12): validation, the profile's goods rules, the ledger check of
// outbound kinds, assessment at the second line, holds and sampling, and the plan that Apply runs.
//
// Precedence of reasons: bans, then missing certificates, then the ledger (insufficient balance,
// limits) — any of these rejects; then holds by rule, then sampling — either holds; then the rules
// that shaped an accepted decision (tax-free admission, export refund, value added, tax-free exit).
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>

#include "base/check.h"
#include "base/decimal.h"
#include "engine/goods_assess.h"
#include "engine/goods_plan.h"
#include "engine/goods_rules.h"

namespace twoline::engine {
namespace {

using ledger::Status;

struct LineFacts {
  const Item* item = nullptr;
  int64_t value_fen = 0;
};

std::optional<Decision> ValidateDeclare(const GoodsContext& context, const DeclareBody& body,
                                        std::vector<LineFacts>* facts, std::string* key) {
  const std::string& id = context.command.id;
  if (context.state.FindParty(body.declarant) == nullptr) {
    return InvalidDecision(id, "unknown party \"" + body.declarant + "\" (declarant)");
  }
  if (!body.counterparty.empty() && context.state.FindParty(body.counterparty) == nullptr) {
    return InvalidDecision(id, "unknown party \"" + body.counterparty + "\" (counterparty)");
  }
  if (body.kind == DeclarationKind::kTransfer && body.counterparty == body.declarant) {
    return InvalidDecision(id, "a transfer needs a counterparty other than the declarant");
  }
  // Only the declarant's own documents can make an id "already used" (GoodsState: document names).
  *key = context.state.goods.NewDocumentKey(body.declarant, body.id);
  if (key->empty()) {
    return InvalidDecision(id, "declaration id \"" + body.id + "\" is already used");
  }
  for (size_t i = 0; i < body.lines.size(); ++i) {
    const DeclarationLine& line = body.lines[i];
    std::string where = "line " + std::to_string(i + 1) + ": ";
    const Item* item = context.state.FindItem(line.sku);
    if (item == nullptr) return InvalidDecision(id, where + "unknown item \"" + line.sku + "\"");
    if (line.quantity_milli > kLineQuantityMilliMax || line.value_cents > kLineValueCentsMax) {
      return InvalidDecision(id, where + "quantity or value above the per-line limit (" +
                                     FormatQuantity(kLineQuantityMilliMax) + " units, " +
                                     FormatMoney(kLineValueCentsMax) + ")");
    }
    auto rate = context.profile.CnyPerUnit(line.currency, context.date);
    if (!rate) {
      return InvalidDecision(id, where + "no exchange rate for " + line.currency + " in zone " +
                                     context.profile.id + " on " + FormatDate(context.date));
    }
    facts->push_back({item, MulDivRoundHalfUp(line.value_cents, *rate, kRateOne)});
  }
  return std::nullopt;
}

// What the profile's rules say about a declaration, line by line.
struct RuleFindings {
  std::vector<Reason> rejections;  // bans, then missing certificates
  std::vector<Reason> holds;
  bool needs_measurements = false;
  std::vector<const policy::GoodsRule*> tax_free;        // per line; nullptr when none
  std::vector<const policy::GoodsRule*> tax_free_rules;  // distinct, in profile order
};

std::string RuleText(const policy::GoodsRule& rule) {
  return rule.detail.empty() ? "goods rule " + rule.id : rule.detail;
}

std::string LineList(const std::vector<size_t>& lines) {
  std::string text = lines.size() == 1 ? "line " : "lines ";
  for (size_t i = 0; i < lines.size(); ++i) text += (i ? ", " : "") + std::to_string(lines[i] + 1);
  return text;
}

// One rule against every line: records the reason it gives, if any.
void ApplyRule(const GoodsContext& context, const DeclareBody& body,
               const std::vector<LineFacts>& facts, uint64_t lists, const policy::GoodsRule& rule,
               RuleFindings* findings, std::vector<Reason>* certificate_reasons) {
  std::vector<size_t> matched;
  std::string missing_text;
  for (size_t i = 0; i < body.lines.size(); ++i) {
    const DeclarationLine& line = body.lines[i];
    RuleSubject subject{DeclarationKindName(body.kind),
                        facts[i].item,
                        line.origin,
                        line.produced_on,
                        lists,
                        body.purpose,
                        context.date};
    if (!RuleMatches(context.state, rule, subject)) continue;
    if (rule.action == policy::GoodsAction::kRequireCertificates) {
      std::string missing;
      for (const std::string& certificate : rule.certificates) {
        if (std::find(line.certificates.begin(), line.certificates.end(), certificate) ==
            line.certificates.end()) {
          missing += (missing.empty() ? "" : ", ") + certificate;
        }
      }
      if (missing.empty()) continue;
      missing_text += (missing_text.empty() ? "" : "; ") +
                      (body.lines.size() > 1 ? "line " + std::to_string(i + 1) + " " : "") +
                      "missing " + missing;
    }
    if (rule.action == policy::GoodsAction::kTaxFree && findings->tax_free[i] == nullptr) {
      findings->tax_free[i] = &rule;
    }
    matched.push_back(i);
  }
  if (matched.empty()) return;
  std::string detail = RuleText(rule);
  if (body.lines.size() > 1 && rule.action != policy::GoodsAction::kRequireCertificates) {
    detail += " (" + LineList(matched) + ")";
  }
  switch (rule.action) {
    case policy::GoodsAction::kBan:
      findings->rejections.push_back({rule.id, detail});
      break;
    case policy::GoodsAction::kRequireCertificates:
      certificate_reasons->push_back({rule.id, detail + "; " + missing_text});
      break;
    case policy::GoodsAction::kHoldForTest:
      findings->needs_measurements = true;
      findings->holds.push_back({rule.id, detail});
      break;
    case policy::GoodsAction::kHold:
      findings->holds.push_back({rule.id, detail});
      break;
    case policy::GoodsAction::kTaxFree:
      findings->tax_free_rules.push_back(&rule);
      break;
  }
}

RuleFindings ApplyRules(const GoodsContext& context, const DeclareBody& body,
                        const Party& declarant, const std::vector<LineFacts>& facts) {
  RuleFindings findings;
  findings.tax_free.assign(body.lines.size(), nullptr);
  std::vector<Reason> certificate_reasons;
  for (const policy::GoodsRule& rule : context.profile.goods.rules) {
    ApplyRule(context, body, facts, declarant.lists, rule, &findings, &certificate_reasons);
  }
  findings.rejections.insert(findings.rejections.end(), certificate_reasons.begin(),
                             certificate_reasons.end());
  return findings;
}

ledger::StatusPreference PreferenceFor(DeclarationKind kind) {
  // Refused goods may only leave through the first line or be scrapped, and when they may, they go
  // first: they are the goods that must leave.
  if (kind == DeclarationKind::kFirstLineOut || kind == DeclarationKind::kScrap) {
    return ledger::StatusPreference::RefusedFirst();
  }
  // A party holding an sku both as tax-free equipment and as bonded stock sells or transfers its
  // stock first: first in first out across both would take the older equipment for the stock,
  // taxed on the equipment's admission value (or refused by transfer) instead of the stock's sale.
  if (kind == DeclarationKind::kSecondLineOut || kind == DeclarationKind::kTransfer) {
    return ledger::StatusPreference::TaxFreeLast();
  }
  return ledger::StatusPreference::Free();
}

ledger::Destination DestinationFor(const DeclareBody& body) {
  ledger::Destination destination;
  switch (body.kind) {
    case DeclarationKind::kFirstLineOut:
      destination.account = ledger::External::kOutsideFirstLine;
      break;
    case DeclarationKind::kSecondLineOut:
      destination.account = ledger::External::kOutsideSecondLine;
      break;
    case DeclarationKind::kConsume:
      destination.account = ledger::External::kConsumed;
      break;
    case DeclarationKind::kScrap:
      destination.account = ledger::External::kScrapped;
      break;
    case DeclarationKind::kTransfer:
      destination.external = false;
      destination.party = body.counterparty;
      destination.keep_status = true;
      destination.source = ledger::LotSource::kTransfer;
      break;
    default:
      CHECK(false);  // inbound kinds have no destination
  }
  return destination;
}

// Builds the decision and plan of one declaration step by step.
class DeclareBuilder {
 public:
  DeclareBuilder(const GoodsContext& context, const DeclareBody& body, std::string key,
                 const Party& declarant, std::vector<LineFacts> facts)
      : context_(context),
        body_(body),
        key_(std::move(key)),
        declarant_(declarant),
        facts_(std::move(facts)),
        planner_(context.state.goods.ledger),
        plan_(std::make_shared<GoodsPlan>()) {
    decision_.id = context.command.id;
  }

  Decision Build();

 private:
  void PlanInbound(const RuleFindings& findings, bool held);
  void PlanOutbound(std::vector<Reason>* rejections);
  void Assess(size_t line, const std::vector<ledger::Slice>& slices);
  std::vector<AssessedSlice> AssessedOf(const std::vector<ledger::Slice>& slices) const;
  void AssessLinesOfOneSku();
  const policy::TariffRow* TaxFreeTariff(const std::vector<ledger::Slice>& slices) const;
  bool InputsValueKnown(const std::vector<ledger::Slice>& slices) const;
  void CheckTakenOrigins(size_t line, const std::vector<ledger::Slice>& slices,
                         std::vector<Reason>* rejections) const;
  void CheckTaxFreeTransfer(size_t line, const std::vector<ledger::Slice>& slices,
                            std::vector<Reason>* rejections) const;
  void FinishPlan(bool held);
  bool Sampled(Reason* reason) const;
  DeclarationRecord MakeRecord(bool held, bool needs_measurements,
                               std::vector<std::string> hold_rules) const;

  const GoodsContext& context_;
  const DeclareBody& body_;
  const std::string key_;  // the declaration's document key (GoodsState::NewDocumentKey)
  const Party& declarant_;
  std::vector<LineFacts> facts_;
  ledger::Planner planner_;
  std::shared_ptr<GoodsPlan> plan_;
  Decision decision_;
  std::vector<ledger::Slice> slices_;  // outbound: every line's slices, in line order
  std::vector<Status> line_status_;    // inbound: status per line
  std::vector<GoodsLineRecord> line_taxes_;
  // Second line out, per line: the slices it was assessed on (none when it was not) and its base.
  std::vector<std::vector<ledger::Slice>> line_slices_;
  std::vector<int64_t> line_base_;
  std::vector<Reason> notes_;  // reasons that shaped an accepted decision
  Assessment assessment_;
  bool assessed_ = false;
  bool export_refund_ = false;
};

Decision DeclareBuilder::Build() {
  line_taxes_.resize(body_.lines.size());
  RuleFindings findings = ApplyRules(context_, body_, declarant_, facts_);
  bool held = !findings.holds.empty();
  Reason sampled;
  bool selected = !held && Sampled(&sampled);
  held |= selected;
  std::vector<Reason> rejections = findings.rejections;
  // Goods entering the zone have a value, free of charge or not: through the first line one of
  // nothing would leave them nothing to be assessed on when they go on into the mainland; through
  // the second line, mainland inputs of nothing would count as value added under the 30% rule.
  if (body_.kind == DeclarationKind::kFirstLineIn || body_.kind == DeclarationKind::kSecondLineIn) {
    for (size_t i = 0; i < body_.lines.size(); ++i) {
      if (facts_[i].value_fen != 0) continue;
      rejections.push_back({"goods.value-unknown",
                            "line " + std::to_string(i + 1) + ": " + body_.lines[i].sku +
                                " is declared at CNY 0.00: goods admitted need their value "
                                "(goods free of charge are valued too)"});
    }
  }
  if (IsInbound(body_.kind)) {
    PlanInbound(findings, held);
  } else {
    PlanOutbound(&rejections);
  }
  if (!planner_.WithinLimits()) {
    rejections.push_back({"ledger.limit-exceeded",
                          "the declaration would take an account beyond the ledger's limit"});
  }
  if (!rejections.empty()) {
    Decision rejected;
    rejected.id = context_.command.id;
    rejected.outcome = Outcome::kRejected;
    rejected.reasons = std::move(rejections);
    return rejected;
  }
  decision_.reasons = findings.holds;
  if (selected) decision_.reasons.push_back(sampled);
  decision_.reasons.insert(decision_.reasons.end(), notes_.begin(), notes_.end());
  decision_.outcome = held ? Outcome::kHeld : Outcome::kAccepted;
  if (assessed_) decision_.assessment = assessment_;
  FinishPlan(held);
  std::vector<std::string> hold_rules;
  for (const Reason& hold : findings.holds) hold_rules.push_back(hold.rule);
  if (selected) hold_rules.push_back(sampled.rule);
  plan_->new_declaration = MakeRecord(held, findings.needs_measurements, std::move(hold_rules));
  decision_.plan = plan_;
  return decision_;
}

bool DeclareBuilder::Sampled(Reason* reason) const {
  if (!LineOf(body_.kind)) return false;  // nothing crosses a gate: nothing to sample
  int64_t rate = SamplingRatePpm(context_.profile.goods, declarant_.credit);
  if (rate <= 0 || SamplingDraw(context_.profile.id, context_.command, context_.previous) >= rate) return false;
  *reason = {"inspection.sampled", "selected for inspection at the " +
                                       std::string(policy::CreditName(declarant_.credit)) +
                                       " credit rate of " + FormatPercent(rate) +
                                       "; an inspect with result pass clears it"};
  return true;
}

void DeclareBuilder::PlanInbound(const RuleFindings& findings, bool held) {
  bool first = body_.kind == DeclarationKind::kFirstLineIn;
  Status admitted = Status::kDomestic;
  if (first) {
    auto status = ledger::ParseStatus(context_.profile.goods.first_line_in_status);
    CHECK(status.has_value());  // the loader accepts only ledger statuses
    admitted = *status;
  }
  ledger::External from =
      first ? ledger::External::kOutsideFirstLine : ledger::External::kOutsideSecondLine;
  std::vector<ledger::LotSpec> lots;
  for (size_t i = 0; i < body_.lines.size(); ++i) {
    const DeclarationLine& line = body_.lines[i];
    ledger::LotSpec spec;
    spec.party = body_.declarant;
    spec.sku = line.sku;
    spec.release_status = findings.tax_free[i] != nullptr ? Status::kTaxFree : admitted;
    spec.status = held ? Status::kHeld : spec.release_status;
    spec.origin = line.origin;
    spec.produced_on = line.produced_on;
    spec.source = first ? ledger::LotSource::kFirstLineIn : ledger::LotSource::kSecondLineIn;
    int64_t value = facts_[i].value_fen;
    spec.amounts = {line.quantity_milli, value, first ? value : 0, first ? 0 : value};
    line_status_.push_back(spec.release_status);
    planner_.Add(ledger::AccountKey::Internal(spec.party, spec.sku, spec.status),
                 spec.amounts.quantity_milli, value);
    planner_.Add(ledger::AccountKey::Outside(spec.party, spec.sku, from),
                 -spec.amounts.quantity_milli, -value);
    if (spec.release_status == Status::kTaxFree && context_.profile.goods.second_line_out_taxed) {
      line_taxes_[i].exempted_fen = ExemptedAtAdmission(context_.profile, *facts_[i].item, value);
      assessment_.exempted_fen += line_taxes_[i].exempted_fen;
      assessed_ = true;
    }
    lots.push_back(std::move(spec));
  }
  for (const policy::GoodsRule* rule : findings.tax_free_rules) {
    notes_.push_back({rule->id, RuleText(*rule)});
  }
  if (!first && context_.profile.goods.second_line_in_export) {
    decision_.SetExtra("export_refund", "true");
    export_refund_ = true;
    notes_.push_back({"goods.export-refund",
                      "second line in is treated as an export: the goods qualify for export tax "
                      "refund"});
  }
  if (held) {
    for (ledger::LotSpec& spec : lots)
      plan_->operations.push_back(ledger::Admit{key_, spec, from});
  } else {
    plan_->operations.push_back(ledger::ExpectIncoming{key_, body_.declarant, lots, from});
  }
}

void DeclareBuilder::PlanOutbound(std::vector<Reason>* rejections) {
  ledger::StatusPreference preference = PreferenceFor(body_.kind);
  ledger::Destination destination = DestinationFor(body_);
  const ledger::Ledger& ledger = context_.state.goods.ledger;
  for (size_t i = 0; i < body_.lines.size(); ++i) {
    const DeclarationLine& line = body_.lines[i];
    std::vector<ledger::Slice> slices;
    int64_t free = planner_.FreeQuantity(body_.declarant, line.sku, preference);
    bool too_many = false;
    if (!planner_.Take(body_.declarant, line.sku, line.quantity_milli, preference, &slices,
                       ledger::kSlicesPerDocumentMax - slices_.size(), &too_many)) {
      if (too_many) {  // the walk stopped at the bound: a larger one costs no more to refuse
        rejections->push_back({"ledger.limit-exceeded",
                               "the declaration would take more than " +
                                   std::to_string(ledger::kSlicesPerDocumentMax) + " lots"});
        return;
      }
      rejections->push_back(
          {"ledger.insufficient-balance",
           "line " + std::to_string(i + 1) + ": " +
               ShortfallDetail(ledger, body_.declarant, line.sku, line.quantity_milli, free)});
      continue;
    }
    for (const ledger::Slice& slice : slices) {
      const ledger::Lot& lot = *ledger.FindLot(slice.lot);
      ledger::AccountKey to =
          destination.external
              ? ledger::AccountKey::Outside(body_.declarant, line.sku, destination.account)
              : ledger::AccountKey::Internal(destination.party, line.sku, lot.status);
      planner_.Add(to, slice.amounts.quantity_milli, slice.amounts.value_fen);
    }
    CheckTakenOrigins(i, slices, rejections);
    if (body_.kind == DeclarationKind::kTransfer) CheckTaxFreeTransfer(i, slices, rejections);
    if (body_.kind == DeclarationKind::kSecondLineOut &&
        context_.profile.goods.second_line_out_taxed) {
      // Declared at nothing, bonded goods are assessed on the value the ledger records for them
      // (goods.value-below-record); an overage a stocktake found has none, so nothing could be.
      for (const ledger::Slice& slice : slices) {
        if (facts_[i].value_fen != 0 || slice.amounts.value_fen != 0 ||
            ledger.FindLot(slice.lot)->status != Status::kBonded) {
          continue;
        }
        rejections->push_back({"goods.value-unknown",
                               "line " + std::to_string(i + 1) + ": " + line.sku +
                                   " declared at CNY 0.00 takes bonded goods the ledger records "
                                   "no customs value for (lot " + std::to_string(slice.lot) +
                                   "): declare their value"});
        break;
      }
      Assess(i, slices);
    }
    slices_.insert(slices_.end(), slices.begin(), slices.end());
  }
  if (rejections->empty()) AssessLinesOfOneSku();
}

// The profile's bans judge the goods a line takes, not only what the line says of them: each lot
// taken, and every lot it was made from (processing, transfers), with the origin, production date
// and item (HS code) it came in with. Declaring Japanese scallops as Norwegian, or processing them
// into fillets or fish meal first, leaves them Japanese scallops. The walk collects the distinct
// (origin, production date, sku) first (a long history has few of them), then judges each once.
// Goods whose origin is not known are not shown to be outside a ban, so a line whose goods a ban
// could cover whatever their origin (kind, HS code, date, lists) is refused, as a line without a
// production date is: when the history is longer than the walk's bound (kOriginLotsMax lots:
// padding a line with thousands of tiny lots must not hide the banned ones behind it), and when it
// holds an overage a stocktake found (goods written off, kept and counted again come back with no
// origin). The certificates a rule asks of goods of a true origin are asked of the line too.
void DeclareBuilder::CheckTakenOrigins(size_t line, const std::vector<ledger::Slice>& slices,
                                       std::vector<Reason>* rejections) const {
  constexpr size_t kOriginLotsMax = 4096;
  const ledger::Ledger& ledger = context_.state.goods.ledger;
  const DeclarationLine& declared = body_.lines[line];
  std::vector<uint64_t> taken;
  for (const ledger::Slice& slice : slices) taken.push_back(slice.lot);
  // Each origin, production date and sku the goods came in with, and the first lot that has it.
  std::map<std::tuple<std::string, std::optional<Date>, std::string>, uint64_t> origins;
  std::map<std::string, uint64_t> overages;  // sku -> a lot of it a stocktake found: origin unknown
  const bool whole = ledger::VisitHistory(
      ledger, std::move(taken), kOriginLotsMax, [&](uint64_t id, const ledger::Lot& lot) {
        if (lot.spec.source == ledger::LotSource::kOverage) overages.emplace(lot.spec.sku, id);
        const std::string& origin = lot.spec.origin;
        if (origin.empty() || (origin == declared.origin && lot.spec.produced_on == declared.produced_on &&
                               lot.spec.sku == declared.sku)) {
          return;  // nothing recorded, or judged already as declared
        }
        origins.emplace(std::make_tuple(origin, lot.spec.produced_on, lot.spec.sku), id);
      });
  std::set<std::string> found;  // rule ids already given, for this line or by the declared facts
  for (const Reason& reason : *rejections) found.insert(reason.rule);
  // Goods of unknown origin: judged as any origin a ban names. Beyond the walk's bound, as the
  // line's item (what they were is not known either); an overage, as the item it was counted as.
  std::vector<std::pair<const Item*, std::string>> unknown;  // item, why
  if (!whole) {
    unknown.emplace_back(facts_[line].item, "the goods' history is longer than " +
                                                std::to_string(kOriginLotsMax) +
                                                " lots and cannot be shown to be outside the ban");
  }
  for (const auto& [sku, id] : overages) {
    const Item* item = context_.state.FindItem(sku);
    if (item == nullptr) continue;
    unknown.emplace_back(item, "the goods taken include an overage of " + sku +
                                   " found by stocktake (lot " + std::to_string(id) +
                                   "), of unknown origin");
  }
  for (const auto& [item, why] : unknown) {
    for (const policy::GoodsRule& rule : context_.profile.goods.rules) {
      if (rule.action != policy::GoodsAction::kBan || rule.origins.empty() ||
          found.count(rule.id) != 0) {
        continue;
      }
      RuleSubject subject{DeclarationKindName(body_.kind), item, rule.origins.front(),
                          std::nullopt, declarant_.lists, body_.purpose, context_.date};
      if (!RuleMatches(context_.state, rule, subject)) continue;
      found.insert(rule.id);
      rejections->push_back(
          {rule.id, RuleText(rule) + " (line " + std::to_string(line + 1) + ": " + why + ")"});
    }
  }
  for (const auto& [came_in, id] : origins) {
    const auto& [origin, produced_on, sku] = came_in;
    const Item* item = context_.state.FindItem(sku);
    if (item == nullptr) item = facts_[line].item;
    RuleSubject subject{DeclarationKindName(body_.kind), item, origin, produced_on,
                        declarant_.lists, body_.purpose, context_.date};
    for (const policy::GoodsRule& rule : context_.profile.goods.rules) {
      const bool ban = rule.action == policy::GoodsAction::kBan;
      if ((!ban && rule.action != policy::GoodsAction::kRequireCertificates) ||
          found.count(rule.id) != 0) {
        continue;
      }
      if (!RuleMatches(context_.state, rule, subject)) continue;
      // Certificates the goods' true origin needs are the line's to carry, as a ban is its to obey.
      std::string missing;
      for (const std::string& certificate : rule.certificates) {
        if (std::find(declared.certificates.begin(), declared.certificates.end(), certificate) ==
            declared.certificates.end()) {
          missing += (missing.empty() ? "" : ", ") + certificate;
        }
      }
      if (!ban && missing.empty()) continue;
      found.insert(rule.id);
      rejections->push_back({rule.id, RuleText(rule) + " (line " + std::to_string(line + 1) +
                                          ": the goods taken came in as " + sku + " with origin " +
                                          origin + ", lot " + std::to_string(id) +
                                          (ban ? std::string() : "; missing " + missing) + ")"});
    }
  }
}

// Goods admitted tax-free are exempt as the self-use of a party the profile entitles (a list):
// they pass by transfer only to a party the same exemption would admit them for. Any other
// receiver would hold, tax-free, goods its own admission would have taxed; the sender declares
// them out (paying what was exempted) instead.
void DeclareBuilder::CheckTaxFreeTransfer(size_t line, const std::vector<ledger::Slice>& slices,
                                          std::vector<Reason>* rejections) const {
  const ledger::Ledger& ledger = context_.state.goods.ledger;
  bool tax_free = false;
  for (const ledger::Slice& slice : slices) {
    tax_free |= ledger.FindLot(slice.lot)->status == Status::kTaxFree;
  }
  if (!tax_free) return;
  const Party* receiver = context_.state.FindParty(body_.counterparty);
  if (receiver == nullptr) return;  // refused earlier as an unknown party
  const DeclarationLine& declared = body_.lines[line];
  for (const policy::GoodsRule& rule : context_.profile.goods.rules) {
    if (rule.action != policy::GoodsAction::kTaxFree) continue;
    const std::string_view purpose = rule.purposes.empty() ? "" : std::string_view(rule.purposes.front());
    RuleSubject subject{"first_line_in",    facts_[line].item, declared.origin, declared.produced_on,
                        receiver->lists,    purpose,           context_.date};
    if (RuleMatches(context_.state, rule, subject)) return;  // the receiver is entitled too
  }
  rejections->push_back(
      {"transfer.tax-free-not-entitled",
       "line " + std::to_string(line + 1) + ": the goods taken were admitted tax-free for self-use, and " +
           body_.counterparty + " is not entitled to that exemption: they pass only to a party that is "
           "(or leave paying the taxes exempted)"});
}

// The tariff row tax-free slices were exempted under: of the items their tax-free admissions were
// of (the lots they were processed or transferred from, up to kLotsMax), the one of the highest
// duty. nullptr when no slice is tax-free or none of their admissions is found.
const policy::TariffRow* DeclareBuilder::TaxFreeTariff(const std::vector<ledger::Slice>& slices) const {
  constexpr size_t kLotsMax = 1024;
  const ledger::Ledger& ledger = context_.state.goods.ledger;
  std::vector<uint64_t> tax_free;
  for (const ledger::Slice& slice : slices) {
    if (ledger.FindLot(slice.lot)->status == Status::kTaxFree) tax_free.push_back(slice.lot);
  }
  const policy::TariffRow* found = nullptr;
  ledger::VisitHistory(ledger, std::move(tax_free), kLotsMax, [&](uint64_t, const ledger::Lot& lot) {
    if (lot.spec.source != ledger::LotSource::kFirstLineIn || lot.spec.release_status != Status::kTaxFree) {
      return;
    }
    const Item* item = context_.state.FindItem(lot.spec.sku);
    const policy::TariffRow* row = item == nullptr ? nullptr : context_.profile.FindTariff(item->hs_code);
    if (row != nullptr && (found == nullptr || row->customs_duty_ppm > found->customs_duty_ppm)) found = row;
  });
  return found;
}

// False when processed goods were made from an overage a stocktake found (it has no recorded
// value, so counted as no imported input it would make the whole output "value added" under the
// 30% rule), or when their history is longer than the walk's bound (fail closed, as the bans do).
// Only asked where the value-added rule could exempt: every slice processed.
bool DeclareBuilder::InputsValueKnown(const std::vector<ledger::Slice>& slices) const {
  constexpr size_t kLotsMax = 4096;
  const ledger::Ledger& ledger = context_.state.goods.ledger;
  if (!context_.profile.goods.value_added_exemption_ppm) return true;
  std::vector<uint64_t> start;
  for (const ledger::Slice& slice : slices) {
    if (!ledger.FindLot(slice.lot)->spec.processed) return true;  // no exemption to judge
    start.push_back(slice.lot);
  }
  bool overage = false;
  bool whole = ledger::VisitHistory(ledger, std::move(start), kLotsMax, [&](uint64_t, const ledger::Lot& lot) {
    overage |= lot.spec.source == ledger::LotSource::kOverage;
  });
  return whole && !overage;
}

std::vector<AssessedSlice> DeclareBuilder::AssessedOf(const std::vector<ledger::Slice>& slices) const {
  std::vector<AssessedSlice> assessed;
  for (const ledger::Slice& slice : slices) {
    const ledger::Lot& lot = *context_.state.goods.ledger.FindLot(slice.lot);
    assessed.push_back({lot.status, lot.spec.processed, slice.amounts});
  }
  return assessed;
}

void DeclareBuilder::Assess(size_t line, const std::vector<ledger::Slice>& slices) {
  const DeclarationLine& declared = body_.lines[line];
  LineAssessment result =
      AssessSecondLineOut(context_.profile, *facts_[line].item, facts_[line].value_fen,
                          declared.quantity_milli, AssessedOf(slices), line + 1,
                          TaxFreeTariff(slices), InputsValueKnown(slices));
  notes_.insert(notes_.end(), result.notes.begin(), result.notes.end());
  line_slices_.resize(body_.lines.size());
  line_base_.resize(body_.lines.size());
  line_slices_[line] = slices;
  line_base_[line] = result.base_fen;
  if (!result.taxed) return;
  assessed_ = true;
  line_taxes_[line].customs_duty_fen = result.customs_duty_fen;
  line_taxes_[line].import_vat_fen = result.import_vat_fen;
  line_taxes_[line].exempted_fen = result.exempted_duty_fen;
  assessment_.customs_duty_fen += result.customs_duty_fen;
  assessment_.import_vat_fen += result.import_vat_fen;
}

// The lines of one sku are assessed together too. The share of a sale that bonded goods owe on is
// judged within a line (AssessSecondLineOut), so one sale split into a line taking the bonded goods
// at a low value and a line taking domestic goods at the rest would pay on the low value alone.
// When the lines of an sku, taken as one line, give a larger tax base than the sum of their own,
// the duty and VAT of the pooled line replace theirs: the difference is added to the first of them
// that takes goods owing duty (goods.lines-pooled). Lines of one sku declared honestly, each at its
// own goods' value, give the same base either way and are left as they are.
void DeclareBuilder::AssessLinesOfOneSku() {
  if (line_slices_.empty()) return;
  std::vector<std::vector<size_t>> groups;  // lines of one sku, in the order of their first line
  std::unordered_map<std::string_view, size_t> group_of;
  for (size_t i = 0; i < body_.lines.size(); ++i) {
    if (line_slices_[i].empty()) continue;
    auto [it, added] = group_of.emplace(body_.lines[i].sku, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  for (const std::vector<size_t>& lines : groups) {
    const std::string& sku = body_.lines[lines[0]].sku;
    if (lines.size() < 2) continue;
    std::vector<ledger::Slice> taken;
    int64_t value_fen = 0, quantity_milli = 0, base_fen = 0, duty_fen = 0, vat_fen = 0;
    for (size_t i : lines) {
      taken.insert(taken.end(), line_slices_[i].begin(), line_slices_[i].end());
      value_fen += facts_[i].value_fen;
      quantity_milli += body_.lines[i].quantity_milli;
      base_fen += line_base_[i];
      duty_fen += line_taxes_[i].customs_duty_fen;
      vat_fen += line_taxes_[i].import_vat_fen;
    }
    LineAssessment pooled = AssessSecondLineOut(context_.profile, *facts_[lines[0]].item, value_fen,
                                                quantity_milli, AssessedOf(taken), lines[0] + 1,
                                                TaxFreeTariff(taken), InputsValueKnown(taken));
    const int64_t extra_duty = pooled.customs_duty_fen - duty_fen;
    const int64_t extra_vat = pooled.import_vat_fen - vat_fen;
    if (!pooled.taxed || pooled.base_fen <= base_fen || extra_duty < 0 || extra_vat < 0 ||
        extra_duty + extra_vat == 0) {
      continue;
    }
    std::string numbers;
    for (size_t i : lines) numbers += (numbers.empty() ? "" : ", ") + std::to_string(i + 1);
    size_t target = lines[0];  // the first line taking goods that owe (bonded or tax-free)
    for (size_t i : lines) {
      bool owes = false;
      for (const ledger::Slice& slice : line_slices_[i]) {
        const Status status = context_.state.goods.ledger.FindLot(slice.lot)->status;
        owes |= status == Status::kBonded || status == Status::kTaxFree;
      }
      if (owes) {
        target = i;
        break;
      }
    }
    GoodsLineRecord& first = line_taxes_[target];
    first.customs_duty_fen += extra_duty;
    first.import_vat_fen += extra_vat;
    int64_t exempted_fen = 0;
    for (size_t i : lines) exempted_fen += line_taxes_[i].exempted_fen;
    first.exempted_fen += pooled.exempted_duty_fen - exempted_fen;
    assessment_.customs_duty_fen += extra_duty;
    assessment_.import_vat_fen += extra_vat;
    assessed_ = true;
    notes_.push_back({"goods.lines-pooled",
                      "lines " + numbers + " of " + sku +
                          " are one sale of CNY " + FormatMoney(value_fen) +
                          ": assessed together on a base of CNY " + FormatMoney(pooled.base_fen) +
                          " (CNY " + FormatMoney(base_fen) + " line by line); duty CNY " +
                          FormatMoney(extra_duty) + " and import VAT CNY " + FormatMoney(extra_vat) +
                          " added to line " + std::to_string(target + 1)});
  }
}

void DeclareBuilder::FinishPlan(bool held) {
  if (IsInbound(body_.kind)) return;  // PlanInbound wrote the operations
  plan_->operations.push_back(
      ledger::Reserve{key_, body_.declarant, slices_, DestinationFor(body_)});
  if (!LineOf(body_.kind) && !held) {
    plan_->operations.push_back(ledger::Post{key_, std::nullopt});
  }
}

DeclarationRecord DeclareBuilder::MakeRecord(bool held, bool needs_measurements,
                                             std::vector<std::string> hold_rules) const {
  DeclarationRecord record;
  record.id = key_;
  record.kind = body_.kind;
  record.declarant = body_.declarant;
  record.counterparty = body_.counterparty;
  record.purpose = body_.purpose;
  for (size_t i = 0; i < body_.lines.size(); ++i) {
    const DeclarationLine& line = body_.lines[i];
    GoodsLineRecord out = line_taxes_[i];
    out.sku = line.sku;
    out.hs_code = facts_[i].item->hs_code;
    out.quantity_milli = line.quantity_milli;
    out.value_cents = line.value_cents;
    out.currency = line.currency;
    out.value_fen = facts_[i].value_fen;
    out.origin = line.origin;
    out.produced_on = line.produced_on;
    out.certificates = line.certificates;
    if (i < line_status_.size()) out.status = line_status_[i];
    record.lines.push_back(std::move(out));
  }
  bool posted = !LineOf(body_.kind) && !held;
  record.state = held     ? DeclarationState::kHeld
                 : posted ? DeclarationState::kPosted
                          : DeclarationState::kAccepted;
  record.command = context_.command.id;
  record.declared_at = context_.command.at.unix_seconds;
  record.declared_on = context_.date;
  record.outcome = decision_.outcome;
  record.reasons = decision_.reasons;
  record.assessment = decision_.assessment;
  record.export_refund = export_refund_;
  record.hold_rules = std::move(hold_rules);
  record.needs_measurements = needs_measurements;
  record.held_lots = held && IsInbound(body_.kind);
  record.events.push_back(MakeEvent(context_.command,
                                    held     ? "held"
                                    : posted ? "posted"
                                             : "declared",
                                    std::string(DeclarationKindName(body_.kind))));
  return record;
}

}  // namespace

Decision DecideDeclare(const GoodsContext& context, const DeclareBody& body) {
  std::vector<LineFacts> facts;
  std::string key;
  if (auto invalid = ValidateDeclare(context, body, &facts, &key)) return *invalid;
  const Party& declarant = *context.state.FindParty(body.declarant);
  return DeclareBuilder(context, body, std::move(key), declarant, std::move(facts)).Build();
}

}  // namespace twoline::engine
