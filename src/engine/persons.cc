// The person side of separate-line management: documents, whitelist lanes, watchlists, presence,
// and carried goods (allowances, personal-articles tax, the fresh-food quota). SPEC §4 behaviours
// 1-5. Rule ids are stable and listed in docs/rules.md.
#include <algorithm>
#include <cctype>
#include <limits>

#include "base/decimal.h"
#include "base/json_writer.h"
#include "engine/engine.h"

namespace twoline::engine {
namespace {

using policy::Direction;
using policy::Lane;
using policy::Line;

std::string LineDirection(Line line, Direction direction) {
  return std::string(policy::LineName(line)) + " line " + policy::DirectionName(direction);
}

// SPEC behaviour 1: a valid document that the line and direction accept.
void CheckDocuments(const policy::Profile& profile, const State& state, const Person& person,
                    const policy::Gate& gate, Direction direction, Date date, Decision* decision) {
  const policy::PersonRule* rule = profile.FindPersonRule(gate.line, direction, date);
  if (rule == nullptr) {
    decision->Add("documents.no-rule-in-force",
                  "no person rule in force at the " + LineDirection(gate.line, direction) +
                      " on " + FormatDate(date));
    return;
  }
  const StoredDocument* expired = nullptr;
  const StoredDocument* not_yet_valid = nullptr;
  const StoredDocument* documents = state.DocumentsOf(person);
  for (uint32_t i = 0; i < person.document_count; ++i) {
    const StoredDocument& document = documents[i];
    if (std::find(rule->documents.begin(), rule->documents.end(), kDocumentTypes[document.type]) ==
        rule->documents.end()) {
      continue;
    }
    if (date > document.valid_until) {
      expired = &document;
    } else if (date < document.valid_from) {
      not_yet_valid = &document;
    } else {
      return;  // a valid accepted document
    }
  }
  if (expired != nullptr) {
    decision->Add("documents.expired", std::string(kDocumentTypes[expired->type]) + " of " + person.id + " expired on " +
                                            FormatDate(expired->valid_until) + " (rule " + rule->id + ")");
  } else if (not_yet_valid != nullptr) {
    decision->Add("documents.not-yet-valid", std::string(kDocumentTypes[not_yet_valid->type]) + " of " + person.id +
                                                   " is valid from " +
                                                   FormatDate(not_yet_valid->valid_from));
  } else {
    std::string accepted;
    for (const auto& type : rule->documents) accepted += (accepted.empty() ? "" : ", ") + type;
    decision->Add("documents.missing", person.id + " holds none of the documents accepted at the " +
                                             LineDirection(gate.line, direction) + " (" + accepted +
                                             ") (rule " + rule->id + ")");
  }
}

struct CarriedValue {
  const Item* item;
  int64_t value_fen;
};

// SPEC behaviour 5 (first half): personal-articles tax on the value above the allowance. The
// allowance is consumed in the order the goods are listed; each line's taxable excess is taxed at
// its category rate, rounded half up to the fen.
void AssessCarried(const policy::Profile& profile, const Person& person, const policy::Gate& gate,
                   Direction direction, Date date, const std::vector<CarriedValue>& goods,
                   Decision* decision) {
  const policy::Allowance* allowance = profile.FindAllowance(gate.line, direction, date);
  if (allowance == nullptr || goods.empty()) return;
  bool resident = std::find(allowance->resident_of.begin(), allowance->resident_of.end(),
                            person.resident_of_code()) != allowance->resident_of.end();
  bool eligible = resident && AgeInYears(person.birth_date, date) >= allowance->min_age;
  int64_t remaining = eligible ? allowance->amount_fen : allowance->other_amount_fen;
  int64_t total_value = 0, tax = 0;
  bool exceeded = false;
  for (const CarriedValue& line : goods) {
    if (line.item->HasTag("fresh_food")) continue;  // judged by the fresh-food rule instead
    total_value += line.value_fen;
    int64_t free_part = std::min(remaining, line.value_fen);
    remaining -= free_part;
    int64_t taxable = line.value_fen - free_part;
    if (taxable > 0) {
      exceeded = true;
      tax += MulDivRoundHalfUp(taxable, profile.PersonalArticleRate(line.item->hs_code), kRateOne);
    }
  }
  // Goods over the allowance are reported however small the excess, even when their tax rounds to
  // CNY 0.00 (CNY 0.01 over the allowance): the traveller has exceeded it.
  if (!exceeded) return;
  Assessment assessment;
  assessment.personal_articles_tax_fen = tax;
  decision->assessment = assessment;
  decision->Add("allowance.exceeded",
                "carried goods worth CNY " + FormatMoney(total_value) + " exceed the " +
                    (eligible ? "" : "minors' and non-residents' ") + "allowance of CNY " +
                    FormatMoney(eligible ? allowance->amount_fen : allowance->other_amount_fen) +
                    "; personal-articles tax CNY " + FormatMoney(tax));
}

// A carried quantity in kilograms (thousandths), by the item's unit: grams are rounded up to the
// gram, tonnes saturate. Other units (pieces, litres) cannot be weighed and count as kilograms.
int64_t KilogramsMilli(const Item& item, int64_t quantity_milli) {
  auto is = [&](std::string_view unit) {
    if (item.unit.size() != unit.size()) return false;
    for (size_t i = 0; i < unit.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(item.unit[i])) != unit[i]) return false;
    }
    return true;
  };
  if (is("g")) return quantity_milli / 1000 + (quantity_milli % 1000 != 0 ? 1 : 0);
  if (is("t")) {
    return quantity_milli > std::numeric_limits<int64_t>::max() / 1000 ? std::numeric_limits<int64_t>::max()
                                                                       : quantity_milli * 1000;
  }
  return quantity_milli;
}

// SPEC behaviour 5 (second half): the fresh-food quota of listed Macao residents.
void CheckFreshFood(const policy::Profile& profile, const State& state, const Person& person,
                    const policy::Gate& gate, Direction direction, Date date,
                    const std::vector<CarriedValue>& goods,
                    const std::vector<CarriedGoods>& carried, Decision* decision) {
  const policy::FreshFoodRule* rule = profile.FindFreshFood(date);
  if (rule == nullptr) return;
  int64_t quantity = 0;
  for (size_t i = 0; i < goods.size(); ++i) {
    // Saturates: quantities are parsed up to the int64 range, and a wrapped-around sum would
    // pass the quota.
    if (goods[i].item->HasTag(rule->item_tag) &&
        AddOverflows(quantity, KilogramsMilli(*goods[i].item, carried[i].quantity_milli), &quantity)) {
      quantity = std::numeric_limits<int64_t>::max();
    }
  }
  if (quantity == 0) return;
  bool forbidden = direction == Direction::kOut &&
                   std::find(rule->forbidden_lines.begin(), rule->forbidden_lines.end(),
                             gate.line) != rule->forbidden_lines.end();
  if (forbidden) {
    decision->Add("fresh-food.forbidden-line",
                  "fresh food may not be taken out through the " +
                      std::string(policy::LineName(gate.line)) + " line");
    return;
  }
  if (gate.line != rule->line || direction != rule->direction) return;
  if (!state.OnList(person.lists, rule->list)) {
    decision->Add("fresh-food.not-listed",
                  person.id + " is not on the " + rule->list + " list; fresh food not allowed");
    return;
  }
  // The quota is for residents of the place beyond the line (Hengqin's first line: Macao), whoever
  // else the list may hold.
  const policy::LineSpec* beyond = profile.FindLine(rule->line);
  if (beyond != nullptr && beyond->outside.size() == 2 && person.resident_of_code() != beyond->outside) {
    decision->Add("fresh-food.not-resident",
                  person.id + " is not a resident of " + beyond->outside +
                      "; the fresh-food quota is for its residents");
    return;
  }
  if (quantity > rule->max_quantity_milli) {
    decision->Add("fresh-food.over-quota", "fresh food " + FormatQuantity(quantity) +
                                                " kg exceeds the quota of " +
                                                FormatQuantity(rule->max_quantity_milli) + " kg");
  }
  int used = person.fresh_food_day == date ? person.fresh_food_count : 0;
  if (used >= rule->per_day) {
    decision->Add("fresh-food.once-a-day",
                  person.id + " already brought fresh food in on " + FormatDate(date));
  }
}

}  // namespace

Decision Engine::DecideCross(const Command& command) const {
  const auto& body = std::get<CrossBody>(command.body);
  const Person* person = state_.FindPerson(body.person);
  if (person == nullptr) return InvalidDecision(command.id, "unknown person \"" + body.person + "\"");
  const policy::Gate* gate = profile_->FindGate(body.gate);
  if (gate == nullptr) {
    return InvalidDecision(command.id, "unknown gate \"" + body.gate + "\" in zone " + profile_->id);
  }
  std::vector<CarriedValue> goods;
  int64_t total_fen = 0;
  Date date = LocalDateOf(*profile_, command);
  for (const CarriedGoods& carried : body.carried) {
    const Item* item = state_.FindItem(carried.sku);
    if (item == nullptr) return InvalidDecision(command.id, "unknown item \"" + carried.sku + "\"");
    auto rate = profile_->CnyPerUnit(carried.currency, date);
    if (!rate) {
      return InvalidDecision(command.id, "no exchange rate for " + carried.currency + " in zone " +
                                             profile_->id);
    }
    // Values are parsed up to the int64 range, so conversion and the sum are checked: an absurd
    // value is invalid input, never an overflow (SPEC behaviour 16).
    constexpr int64_t kFenMax = std::numeric_limits<int64_t>::max();
    bool too_large = static_cast<__int128>(carried.value_cents) * *rate / kRateOne >= kFenMax;
    int64_t value_fen = too_large ? 0 : MulDivRoundHalfUp(carried.value_cents, *rate, kRateOne);
    if (too_large || AddOverflows(total_fen, value_fen, &total_fen)) {
      return InvalidDecision(
          command.id, "carried goods value out of range (limit CNY " + FormatMoney(kFenMax) + ")");
    }
    goods.push_back({item, value_fen});
  }
  Decision decision;
  decision.id = command.id;
  if (gate->lane == Lane::kGoods || gate->lane == Lane::kVehicle) {
    decision.outcome = Outcome::kRejected;
    decision.Add("gate.not-for-persons", "gate " + gate->id + " is a " +
                                             policy::LaneName(gate->lane) + " lane");
    return decision;
  }
  if (!gate->effective.InForce(date)) {
    decision.outcome = Outcome::kRejected;
    decision.Add("gate.not-in-service", "gate " + gate->id + " is not in service on " + FormatDate(date));
    return decision;
  }
  const policy::LineSpec* line = profile_->FindLine(gate->line);
  bool controlled = line != nullptr && line->persons_controlled;
  // Rejections first (precedence: lane, documents, carried goods), then referrals.
  if (gate->lane == Lane::kWhitelist && !state_.OnList(person->lists, gate->list)) {
    decision.Add("lane.whitelist-only",
                 person->id + " is not on the " + gate->list + " list of whitelist lane " + gate->id);
  }
  if (controlled) CheckDocuments(*profile_, state_, *person, *gate, body.direction, date, &decision);
  CheckFreshFood(*profile_, state_, *person, *gate, body.direction, date, goods, body.carried,
                 &decision);
  bool watchlisted = state_.OnList(person->lists, "watchlist");
  if (!decision.reasons.empty()) {
    decision.outcome = Outcome::kRejected;
    // The officer must learn of a watchlist hit even when the crossing is refused anyway.
    if (watchlisted) {
      decision.Add("watchlist.hit", person->id + " is on the watchlist: secondary inspection");
    }
    return decision;
  }
  if (watchlisted) {
    decision.outcome = Outcome::kReferred;
    decision.Add("watchlist.hit", person->id + " is on the watchlist: secondary inspection");
  }
  if (line != nullptr && line->records_persons) {
    if (body.direction == Direction::kIn && person->inside) {
      decision.outcome = Outcome::kReferred;
      decision.Add("presence.already-inside",
                   person->id + " entered at " +
                       LocalTimeOfDay(person->entered_at, profile_->utc_offset_minutes) +
                       " and has not left");
    } else if (body.direction == Direction::kOut && !person->inside) {
      decision.outcome = Outcome::kReferred;
      decision.Add("presence.no-entry-record", person->id + " is leaving without an entry record");
    }
  }
  if (decision.outcome == Outcome::kAccepted) {
    AssessCarried(*profile_, *person, *gate, body.direction, date, goods, &decision);
  }
  return decision;
}

void Engine::ApplyCross(const Command& command, const Decision& decision) {
  if (decision.outcome != Outcome::kAccepted) return;  // referred: the officer decides next
  const auto& body = std::get<CrossBody>(command.body);
  Person* person = state_.MutablePerson(body.person);
  const policy::Gate* gate = profile_->FindGate(body.gate);
  const policy::LineSpec* line = profile_->FindLine(gate->line);
  // Presence follows every crossing. A line that records no persons (Hengqin's second line) never
  // raises a presence anomaly (DecideCross), but it still tells us where the person is: a Macao
  // resident who goes on to the mainland and later comes back from Macao is no anomaly, and neither
  // is a mainland visitor who came in through the second line and leaves for Macao.
  if (line != nullptr) {
    bool entering = body.direction == Direction::kIn;
    if (entering && !person->inside) {
      ++state_.inside_count;
      person->entered_at = command.at.unix_seconds;
      person->entered_gate = gate->id.c_str();  // profiles in force stay alive with the engine
    }
    if (!entering && person->inside) --state_.inside_count;
    person->inside = entering;
  }
  Date date = LocalDateOf(*profile_, command);
  const policy::FreshFoodRule* rule = profile_->FindFreshFood(date);
  if (rule != nullptr && gate->line == rule->line && body.direction == rule->direction) {
    bool fresh = false;
    for (const CarriedGoods& carried : body.carried) {
      const Item* item = state_.FindItem(carried.sku);
      fresh |= item != nullptr && item->HasTag(rule->item_tag);
    }
    // The count is kept for the latest day only: an import of an earlier day's crossing (commands
    // are applied in submission order, not by `at`) leaves it as it is, so that the later day's
    // quota cannot be drawn again.
    if (fresh && (person->fresh_food_count == 0 || date > person->fresh_food_day)) {
      person->fresh_food_day = date;
      person->fresh_food_count = 0;
    }
    if (fresh && date == person->fresh_food_day) ++person->fresh_food_count;
  }
}

}  // namespace twoline::engine
