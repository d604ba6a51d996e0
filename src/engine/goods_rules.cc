#include "engine/goods_rules.h"

#include <algorithm>

#include "base/decimal.h"
#include "base/sha256.h"
#include "policy/tariff.h"

namespace twoline::engine {
namespace {

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool AnyOriginWithin(std::string_view origin, const std::vector<std::string>& codes) {
  for (const std::string& code : codes) {
    if (OriginWithin(origin, code)) return true;
  }
  return false;
}

// Whether `origin` is a bare country ("JP") that one of `codes` subdivides ("JP-04"): goods declared
// with the country alone may come from the subdivision.
bool CountryOfAny(std::string_view origin, const std::vector<std::string>& codes) {
  if (origin.size() != 2) return false;
  for (const std::string& code : codes) {
    if (code.size() > 3 && code.compare(0, 2, origin) == 0 && code[2] == '-') return true;
  }
  return false;
}

bool AnyHsPrefix(std::string_view hs_code, const std::vector<std::string>& prefixes) {
  for (const std::string& prefix : prefixes) {
    if (policy::HsPrefixMatch(hs_code, prefix) >= 0) return true;
  }
  return false;
}

bool ProductionMatches(const policy::GoodsRule& rule, const std::optional<Date>& produced_on) {
  if (!rule.produced_from && !rule.produced_until) return true;
  if (!produced_on) return rule.action != policy::GoodsAction::kTaxFree;
  if (rule.produced_from && *produced_on < *rule.produced_from) return false;
  if (rule.produced_until && *produced_on >= *rule.produced_until) return false;
  return true;
}

}  // namespace

bool OriginWithin(std::string_view origin, std::string_view code) {
  if (origin == code) return true;
  // A country code covers its subdivisions; a subdivision covers only itself.
  return code.size() == 2 && origin.size() > 3 && origin.substr(0, 2) == code && origin[2] == '-';
}

bool RuleMatches(const State& state, const policy::GoodsRule& rule, const RuleSubject& subject) {
  if (!rule.effective.InForce(subject.date)) return false;
  if (!rule.kinds.empty() && !Contains(rule.kinds, subject.kind)) return false;
  const std::string& hs_code = subject.item->hs_code;
  if (!rule.hs_prefixes.empty() && !AnyHsPrefix(hs_code, rule.hs_prefixes)) return false;
  if (AnyHsPrefix(hs_code, rule.exclude_hs_prefixes)) return false;
  // A restrictive rule on subdivisions (the ten prefectures) also holds goods declared with only
  // their country: the declarant must show the goods come from outside them, as with a missing
  // production date (ProductionMatches). A favourable one (tax_free) needs the subdivision named.
  if (!rule.origins.empty() && !AnyOriginWithin(subject.origin, rule.origins) &&
      !(rule.action != policy::GoodsAction::kTaxFree && CountryOfAny(subject.origin, rule.origins))) {
    return false;
  }
  if (AnyOriginWithin(subject.origin, rule.exclude_origins)) return false;
  if (!ProductionMatches(rule, subject.produced_on)) return false;
  if (!rule.item_tags.empty()) {
    bool tagged = false;
    for (const std::string& tag : rule.item_tags) tagged |= subject.item->HasTag(tag);
    if (!tagged) return false;
  }
  if (!rule.list.empty() && !state.OnList(subject.declarant_lists, rule.list)) return false;
  if (!rule.unless_list.empty() && state.OnList(subject.declarant_lists, rule.unless_list)) {
    return false;
  }
  if (!rule.purposes.empty() && !Contains(rule.purposes, subject.purpose)) return false;
  return true;
}

int64_t SamplingRatePpm(const policy::GoodsPolicy& goods, policy::Credit credit) {
  switch (credit) {
    case policy::Credit::kAdvanced:
      return goods.sampling_advanced_ppm;
    case policy::Credit::kGeneral:
      return goods.sampling_general_ppm;
    case policy::Credit::kDishonest:
      return goods.sampling_dishonest_ppm;
  }
  return 0;
}

int64_t SamplingDraw(std::string_view zone, std::string_view command_id) {
  return policy::SamplingDraw(zone, command_id);
}

int64_t SamplingDraw(std::string_view zone, const Command& command, const Hash256& previous) {
  if (command.received && !command.received->nonce.empty()) {
    return policy::SamplingDraw(zone, command.id, previous, command.received->nonce);
  }
  return policy::SamplingDraw(zone, command.id);
}

std::string FormatPercent(int64_t ppm) {
  std::string text = FormatFixed(ppm, 4);  // ppm / 10^4 = percent
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "%";
}

std::vector<ExceededLimit> JudgeMeasurements(const policy::GoodsPolicy& goods,
                                             const std::vector<Measurement>& measurements) {
  std::vector<ExceededLimit> exceeded;
  for (const policy::RadiationLimit& limit : goods.radiation_limits) {
    int64_t total = 0;
    bool measured = false;
    for (const Measurement& measurement : measurements) {
      if (!Contains(limit.nuclides, measurement.nuclide)) continue;
      measured = true;
      // The parser bounds each activity; saturate rather than overflow on absurd sums.
      total = measurement.milli_bq_per_kg > INT64_MAX - total ? INT64_MAX
                                                              : total + measurement.milli_bq_per_kg;
    }
    if (!measured || total <= limit.max_milli_bq_per_kg) continue;
    std::string names;
    for (const std::string& nuclide : limit.nuclides)
      names += (names.empty() ? "" : " + ") + nuclide;
    exceeded.push_back({names, total, limit.max_milli_bq_per_kg});
  }
  return exceeded;
}

}  // namespace twoline::engine
