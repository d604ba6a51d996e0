#include "sim/zone_view.h"

#include <algorithm>

#include "policy/tariff.h"

namespace twoline::sim {
namespace {

using policy::Direction;
using policy::GoodsAction;
using policy::GoodsRule;
using policy::Lane;
using policy::Line;

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool AnyHsPrefix(const std::vector<std::string>& prefixes, std::string_view hs_code) {
  for (const std::string& prefix : prefixes) {
    if (policy::HsPrefixMatch(hs_code, prefix) >= 0) return true;
  }
  return false;
}

bool AnyOrigin(const std::vector<std::string>& codes, std::string_view origin) {
  for (const std::string& code : codes) {
    if (OriginWithin(origin, code)) return true;
  }
  return false;
}

bool OnList(const GoodsQuery& query, const std::string& list) {
  return query.declarant_lists != nullptr && Contains(*query.declarant_lists, list);
}

// The conditions of policy::GoodsRule, in the order its comment lists them; an empty condition
// matches everything.
bool RuleMatches(const GoodsRule& rule, const GoodsQuery& query) {
  if (!rule.kinds.empty() && !Contains(rule.kinds, query.kind)) return false;
  if (!rule.hs_prefixes.empty() && !AnyHsPrefix(rule.hs_prefixes, query.hs_code)) return false;
  if (AnyHsPrefix(rule.exclude_hs_prefixes, query.hs_code)) return false;
  if (!rule.origins.empty() && !AnyOrigin(rule.origins, query.origin)) return false;
  if (AnyOrigin(rule.exclude_origins, query.origin)) return false;
  if (rule.produced_from || rule.produced_until) {
    // Without a production date a dated rule cannot be ruled out; assume it applies.
    if (query.produced_on) {
      if (rule.produced_from && *query.produced_on < *rule.produced_from) return false;
      if (rule.produced_until && *query.produced_on >= *rule.produced_until) return false;
    }
  }
  if (!rule.item_tags.empty()) {
    bool tagged = false;
    for (const std::string& tag : rule.item_tags) {
      tagged |= query.item_tags != nullptr && Contains(*query.item_tags, tag);
    }
    if (!tagged) return false;
  }
  if (!rule.list.empty() && !OnList(query, rule.list)) return false;
  if (!rule.unless_list.empty() && OnList(query, rule.unless_list)) return false;
  if (!rule.purposes.empty() && !Contains(rule.purposes, query.purpose)) return false;
  return true;
}

}  // namespace

bool OriginWithin(std::string_view origin, std::string_view code) {
  if (origin == code) return true;
  return origin.size() > code.size() && origin.substr(0, code.size()) == code &&
         origin[code.size()] == '-';
}

ZoneView::ZoneView(const policy::Profile& profile, Date date) : profile_(profile), date_(date) {
  for (Line line : {Line::kFirst, Line::kSecond}) {
    PersonLine person_line;
    person_line.line = line;
    for (const policy::LineSpec& spec : profile.lines) {
      if (spec.line != line) continue;
      person_line.persons_controlled = spec.persons_controlled;
      person_line.records_persons = spec.records_persons;
    }
    for (const policy::Gate& gate : profile.gates) {
      if (gate.line != line || !gate.effective.InForce(date)) continue;
      if (gate.lane == Lane::kGeneral) person_line.general_gates.push_back(&gate);
      if (gate.lane == Lane::kWhitelist) person_line.whitelist_gates.push_back(&gate);
      if (gate.lane == Lane::kGoods) goods_gates_[static_cast<size_t>(line)].push_back(&gate);
    }
    // A whitelist lane alone cannot carry a zone's traffic: persons need a general gate too.
    if (person_line.general_gates.empty()) continue;
    for (const policy::PersonRule& rule : profile.person_rules) {
      if (rule.line != line || !rule.effective.InForce(date)) continue;
      if (rule.direction == Direction::kIn) person_line.rule_in = &rule;
      if (rule.direction == Direction::kOut) person_line.rule_out = &rule;
    }
    if (!person_line.persons_controlled) person_line.rule_in = person_line.rule_out = nullptr;
    person_lines_.push_back(std::move(person_line));
  }
  for (const policy::FreshFoodRule& rule : profile.fresh_food) {
    if (rule.effective.InForce(date) && fresh_food_ == nullptr) fresh_food_ = &rule;
  }
  for (const policy::ExchangeRate& rate : profile.exchange_rates) {
    if (rate.currency != "CNY" && rate.effective.InForce(date) &&
        !Contains(foreign_currencies_, rate.currency)) {
      foreign_currencies_.push_back(rate.currency);
    }
  }
  for (const GoodsRule& rule : profile.goods.rules) {
    if (!rule.effective.InForce(date)) continue;
    goods_rules_.push_back(&rule);
    if (rule.action != GoodsAction::kTaxFree) continue;
    for (const std::string& purpose : rule.purposes) {
      if (!Contains(tax_free_purposes_, purpose)) tax_free_purposes_.push_back(purpose);
    }
  }
}

std::vector<std::string> ZoneView::ForeignCurrencies(
    std::initializer_list<std::string_view> wanted) const {
  std::vector<std::string> currencies;
  for (const std::string& currency : foreign_currencies_) {
    if (std::find(wanted.begin(), wanted.end(), currency) != wanted.end()) {
      currencies.push_back(currency);
    }
  }
  return currencies;
}

const PersonLine* ZoneView::FindPersonLine(Line line) const {
  for (const PersonLine& person_line : person_lines_) {
    if (person_line.line == line) return &person_line;
  }
  return nullptr;
}

std::string_view ZoneView::Outside(Line line) const {
  for (const policy::LineSpec& spec : profile_.lines) {
    if (spec.line == line) return spec.outside;
  }
  return "";
}

bool ZoneView::HasList(std::string_view name, policy::ListKind kind) const {
  for (const policy::ListSpec& list : profile_.lists) {
    if (list.name == name && list.kind == kind) return true;
  }
  return false;
}

std::vector<std::string> ZoneView::ListNames(policy::ListKind kind) const {
  std::vector<std::string> names;
  for (const policy::ListSpec& list : profile_.lists) {
    if (list.kind == kind) names.push_back(list.name);
  }
  return names;
}

const policy::Allowance* ZoneView::FindAllowance(Line line, Direction direction) const {
  for (const policy::Allowance& allowance : profile_.allowances) {
    if (allowance.line == line && allowance.direction == direction &&
        allowance.effective.InForce(date_)) {
      return &allowance;
    }
  }
  return nullptr;
}

std::optional<int64_t> ZoneView::CnyPerUnit(std::string_view currency) const {
  if (currency == "CNY") return 1000000;
  for (const policy::ExchangeRate& rate : profile_.exchange_rates) {
    if (rate.currency == currency && rate.effective.InForce(date_)) return rate.cny_per_unit_ppm;
  }
  return std::nullopt;
}

GoodsForecast ZoneView::Forecast(const GoodsQuery& query) const {
  GoodsForecast forecast;
  for (const GoodsRule* rule : goods_rules_) {
    if (!RuleMatches(*rule, query)) continue;
    switch (rule->action) {
      case GoodsAction::kBan:
        forecast.banned = true;
        break;
      case GoodsAction::kHoldForTest:
        forecast.hold_for_test = true;
        break;
      case GoodsAction::kHold:
        forecast.hold = true;
        break;
      case GoodsAction::kTaxFree:
        forecast.tax_free = true;
        break;
      case GoodsAction::kRequireCertificates:
        for (const std::string& certificate : rule->certificates) {
          if (!Contains(forecast.certificates, certificate)) {
            forecast.certificates.push_back(certificate);
          }
        }
        break;
    }
  }
  return forecast;
}

}  // namespace twoline::sim
