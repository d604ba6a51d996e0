#include "policy/profile.h"

#include "base/sha256.h"

#include "base/decimal.h"
#include "policy/tariff.h"

namespace twoline::policy {

const char* LineName(Line line) {
  switch (line) {
    case Line::kFirst:
      return "first";
    case Line::kSecond:
      return "second";
  }
  return "unknown";
}

const char* DirectionName(Direction direction) {
  switch (direction) {
    case Direction::kIn:
      return "in";
    case Direction::kOut:
      return "out";
  }
  return "unknown";
}

const char* LaneName(Lane lane) {
  switch (lane) {
    case Lane::kGeneral:
      return "general";
    case Lane::kWhitelist:
      return "whitelist";
    case Lane::kGoods:
      return "goods";
    case Lane::kVehicle:
      return "vehicle";
  }
  return "unknown";
}

const char* ListKindName(ListKind kind) {
  switch (kind) {
    case ListKind::kPersons:
      return "persons";
    case ListKind::kParties:
      return "parties";
    case ListKind::kGoods:
      return "goods";
  }
  return "unknown";
}

const char* CreditName(Credit credit) {
  switch (credit) {
    case Credit::kAdvanced:
      return "advanced";
    case Credit::kGeneral:
      return "general";
    case Credit::kDishonest:
      return "dishonest";
  }
  return "unknown";
}

// The lookups below scan linearly: a profile holds tens of gates, lists and rules, and the loader
// keeps rules of the same (line, direction) from overlapping, so the first match is the only one.

const LineSpec* Profile::FindLine(Line line) const {
  for (const LineSpec& spec : lines) {
    if (spec.line == line) return &spec;
  }
  return nullptr;
}

const Gate* Profile::FindGate(std::string_view id) const {
  for (const Gate& gate : gates) {
    if (gate.id == id) return &gate;
  }
  return nullptr;
}

const ListSpec* Profile::FindList(std::string_view name) const {
  int index = ListIndex(name);
  return index < 0 ? nullptr : &lists[static_cast<size_t>(index)];
}

int Profile::ListIndex(std::string_view name) const {
  for (size_t i = 0; i < lists.size(); ++i) {
    if (lists[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

const PersonRule* Profile::FindPersonRule(Line line, Direction direction, Date date) const {
  for (const PersonRule& rule : person_rules) {
    if (rule.line == line && rule.direction == direction && rule.effective.InForce(date)) {
      return &rule;
    }
  }
  return nullptr;
}

const Allowance* Profile::FindAllowance(Line line, Direction direction, Date date) const {
  for (const Allowance& allowance : allowances) {
    if (allowance.line == line && allowance.direction == direction &&
        allowance.effective.InForce(date)) {
      return &allowance;
    }
  }
  return nullptr;
}

const FreshFoodRule* Profile::FindFreshFood(Date date) const {
  for (const FreshFoodRule& rule : fresh_food) {
    if (rule.effective.InForce(date)) return &rule;
  }
  return nullptr;
}

int64_t Profile::PersonalArticleRate(std::string_view hs_code) const {
  const RateRow* best = nullptr;
  int best_length = -1;
  for (const RateRow& row : personal_article_rates) {
    int length = HsPrefixMatch(hs_code, row.hs_prefix);
    if (length > best_length) {
      best = &row;
      best_length = length;
    }
  }
  return best == nullptr ? 0 : best->rate_ppm;
}

const TariffRow* Profile::FindTariff(std::string_view hs_code) const {
  const TariffRow* best = nullptr;
  int best_length = -1;
  for (const TariffRow& row : goods.tariff) {
    int length = HsPrefixMatch(hs_code, row.hs_prefix);
    if (length > best_length) {
      best = &row;
      best_length = length;
    }
  }
  return best;
}

std::optional<int64_t> Profile::CnyPerUnit(std::string_view currency_code, Date date) const {
  // Amounts are assessed in CNY, so CNY converts to itself without a table row.
  if (currency_code == "CNY") return kRateOne;
  for (const ExchangeRate& rate : exchange_rates) {
    if (rate.currency == currency_code && rate.effective.InForce(date)) {
      return rate.cny_per_unit_ppm;
    }
  }
  return std::nullopt;
}

namespace {

int64_t DrawOf(const Hash256& digest) {
  uint64_t number = 0;
  for (size_t i = 0; i < 8; ++i) number = number << 8 | digest[i];
  return static_cast<int64_t>(number % 1'000'000);
}

}  // namespace

int64_t SamplingDraw(std::string_view zone, std::string_view command_id) {
  std::string input;
  input.reserve(zone.size() + command_id.size() + 1);
  input.append(zone);
  input.push_back('\n');
  input.append(command_id);
  return DrawOf(Sha256(input));
}

int64_t SamplingDraw(std::string_view zone, std::string_view command_id, const Hash256& previous,
                     std::string_view nonce) {
  std::string input = "sample\n";
  input.append(zone);
  input.push_back('\n');
  input.append(ToHex(previous));
  input.push_back('\n');
  input.append(nonce);
  input.push_back('\n');
  input.append(command_id);
  return DrawOf(Sha256(input));
}

}  // namespace twoline::policy
