// ZoneView: what the simulator needs to know about a zone on the simulated day, read from its
// profile — the person lines with their gates and accepted documents, the goods gates, lists,
// allowances, the fresh-food quota, the currencies it can convert, and a forecast of how its goods
// rules will judge a declaration line.
//
// The simulator uses the forecast to write traffic that is mostly accepted (it picks documents a
// line accepts, adds the certificates a rule requires, follows a held lot with its laboratory
// test) and to place its anomalies on purpose. The forecast mirrors the rule conditions documented
// in policy/profile.h; the engine remains the judge, so a forecast that is wrong only changes the
// share of refusals in a simulated day, never the engine's decisions.
// Invariants: everything listed is in force on `date`. Pointers point into the profile, which must
// outlive the view.
// Thread-safety: immutable after construction.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "policy/profile.h"

namespace twoline::sim {

struct PersonLine {
  policy::Line line = policy::Line::kFirst;
  bool persons_controlled = false;
  bool records_persons = false;
  std::vector<const policy::Gate*> general_gates;
  std::vector<const policy::Gate*> whitelist_gates;
  const policy::PersonRule* rule_in = nullptr;  // nullptr: no documents are checked
  const policy::PersonRule* rule_out = nullptr;
  const policy::PersonRule* Rule(policy::Direction direction) const {
    return direction == policy::Direction::kIn ? rule_in : rule_out;
  }
};

// One declaration line as the goods rules see it.
struct GoodsQuery {
  std::string_view kind;  // "first_line_in", ...
  std::string_view hs_code;
  std::string_view origin;
  std::optional<Date> produced_on;
  const std::vector<std::string>* item_tags = nullptr;
  const std::vector<std::string>* declarant_lists = nullptr;
  std::string_view purpose;
};

struct GoodsForecast {
  bool banned = false;
  bool hold_for_test = false;  // held until radiation measurements pass
  bool hold = false;           // held until an inspection passes
  bool tax_free = false;
  std::vector<std::string> certificates;  // required by the rules that match
};

class ZoneView {
 public:
  ZoneView(const policy::Profile& profile, Date date);

  const policy::Profile& profile() const { return profile_; }
  Date date() const { return date_; }

  // Lines with a general or whitelist gate, first line first.
  const std::vector<PersonLine>& person_lines() const { return person_lines_; }
  const PersonLine* FindPersonLine(policy::Line line) const;
  // Goods gates of a line (empty when the line has none).
  const std::vector<const policy::Gate*>& goods_gates(policy::Line line) const {
    return goods_gates_[static_cast<size_t>(line)];
  }
  bool HasGoodsTraffic() const { return !goods_gates_[0].empty() && !goods_gates_[1].empty(); }
  // The outside jurisdiction of a line ("MO", "HK", "world", "mainland", ...), "" when unknown.
  std::string_view Outside(policy::Line line) const;

  bool HasList(std::string_view name, policy::ListKind kind) const;
  std::vector<std::string> ListNames(policy::ListKind kind) const;

  const policy::Allowance* FindAllowance(policy::Line line, policy::Direction direction) const;
  const policy::FreshFoodRule* fresh_food() const { return fresh_food_; }
  // Of `wanted`, the currencies other than CNY with an exchange rate in force, in profile order.
  std::vector<std::string> ForeignCurrencies(std::initializer_list<std::string_view> wanted) const;
  // CNY millionths per unit; nullopt when the profile has no rate for the currency.
  std::optional<int64_t> CnyPerUnit(std::string_view currency) const;

  GoodsForecast Forecast(const GoodsQuery& query) const;
  // Purposes that some tax-free rule in force names (e.g. "self_use", "research").
  const std::vector<std::string>& tax_free_purposes() const { return tax_free_purposes_; }

 private:
  const policy::Profile& profile_;
  Date date_;
  std::vector<PersonLine> person_lines_;
  std::vector<const policy::Gate*> goods_gates_[2];
  const policy::FreshFoodRule* fresh_food_ = nullptr;
  std::vector<std::string> foreign_currencies_;
  std::vector<const policy::GoodsRule*> goods_rules_;  // in force on date_
  std::vector<std::string> tax_free_purposes_;
};

// True when `origin` ("JP-04") equals `code` or lies within it ("JP").
bool OriginWithin(std::string_view origin, std::string_view code);

}  // namespace twoline::sim
