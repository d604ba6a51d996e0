// Goods rules of a profile applied to declaration lines (SPEC behaviours 10, 10a, 11): matching a
// rule against a line, inspection sampling by party credit, and judging radiation measurements.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.h"
#include "engine/state.h"
#include "policy/profile.h"

namespace twoline::engine {

// What a goods rule is matched against: one declaration line in its declaration.
struct RuleSubject {
  std::string_view kind;  // declaration kind name
  const Item* item = nullptr;
  std::string_view origin;
  std::optional<Date> produced_on;
  uint64_t declarant_lists = 0;
  std::string_view purpose;
  Date date = 0;  // local date of the command: rules are judged by what is in force then
};

// True when `origin` is `code` or lies within it ("JP-04" lies within "JP").
bool OriginWithin(std::string_view origin, std::string_view code);

// True when every condition of the rule holds for the subject (profile.h, GoodsRule). A line that
// declares no production date matches a rule's production-date window when the rule restricts
// (ban, hold, certificates): the declarant must show the goods are outside it. It never matches for
// a tax_free rule, whose benefit must be shown.
bool RuleMatches(const State& state, const policy::GoodsRule& rule, const RuleSubject& subject);

// Sampling (SPEC behaviour 11): the profile's rate for the credit, in millionths.
int64_t SamplingRatePpm(const policy::GoodsPolicy& goods, policy::Credit credit);
// The draw of policy::SamplingDraw for a command: with the server's nonce and the previous entry's
// hash when the command's stamp carries a nonce, else from the zone and the command id alone.
int64_t SamplingDraw(std::string_view zone, std::string_view command_id);
int64_t SamplingDraw(std::string_view zone, const Command& command, const Hash256& previous);
// "3%" / "0.5%" for a rate in millionths.
std::string FormatPercent(int64_t ppm);

// A radiation limit exceeded by a test: the group's nuclides, their added activity and the limit.
struct ExceededLimit {
  std::string nuclides;  // "Cs-134 + Cs-137"
  int64_t milli_bq_per_kg = 0;
  int64_t max_milli_bq_per_kg = 0;
};
// Adds the measured activities of each limit's group and returns the groups above their limit, in
// the profile's order. Nuclides measured more than once are added too.
std::vector<ExceededLimit> JudgeMeasurements(const policy::GoodsPolicy& goods,
                                             const std::vector<Measurement>& measurements);

}  // namespace twoline::engine
