#include "sim/simulator.h"

#include <algorithm>

#include "base/check.h"
#include "base/codes.h"
#include "sim/command_log.h"
#include "sim/goods_day.h"
#include "sim/person_day.h"
#include "sim/random.h"
#include "sim/zone_view.h"

namespace twoline::sim {
namespace {

// Consignments per registered traveller when the caller does not say: Hengqin's published figures
// give about one goods declaration for every dozen travellers.
constexpr int kPersonsPerConsignment = 12;
constexpr int kConsignmentsMin = 12;

int Consignments(const ZoneView& view, const SimulationOptions& options) {
  if (options.consignments >= 0) return options.consignments;
  if (!view.HasGoodsTraffic()) return 0;
  return std::max(options.persons / kPersonsPerConsignment, kConsignmentsMin);
}

// FNV-1a of the zone id, mixed into the seed so that two zones simulated with the same seed do
// not live the same day.
uint64_t ZoneSalt(std::string_view zone) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : zone) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

Status ValidateSimulationOptions(const policy::Profile& profile, const SimulationOptions& options) {
  if (options.persons < 0 || options.persons > kPersonsMax) {
    return Error{"persons must be between 0 and " + std::to_string(kPersonsMax)};
  }
  if (options.crossings < -1 || options.crossings > kCrossingsMax) {
    return Error{"crossings must be -1 (about two per person) or between 0 and " +
                 std::to_string(kCrossingsMax)};
  }
  if (options.consignments < -1 || options.consignments > kConsignmentsMax) {
    return Error{"consignments must be -1 (a share of persons) or between 0 and " +
                 std::to_string(kConsignmentsMax)};
  }
  // An empty prefix is fine; a non-empty one must itself be made of id characters.
  if (options.id_prefix.size() > kIdPrefixBytesMax || !IsValidId(options.id_prefix + "c")) {
    return Error{"the id prefix must be at most " + std::to_string(kIdPrefixBytesMax) +
                 " characters of [A-Za-z0-9._:-]"};
  }
  if (options.date < DaysFromCivil(1900, 1, 1) || options.date > DaysFromCivil(2999, 12, 31)) {
    return Error{"the date must be between 1900-01-01 and 2999-12-31"};
  }
  ZoneView view(profile, options.date);
  if (options.crossings > 0 && view.person_lines().empty()) {
    return Error{"zone " + profile.id + " has no person gates on " + FormatDate(options.date) +
                 "; crossings must be 0"};
  }
  if (options.crossings > 0 && options.persons == 0) {
    return Error{"crossings need at least one person"};
  }
  if (options.consignments > 0 && !view.HasGoodsTraffic()) {
    return Error{"zone " + profile.id + " lacks a goods gate on each line on " +
                 FormatDate(options.date) + "; consignments must be 0"};
  }
  return Status::Ok();
}

SimulationSummary Simulate(const policy::Profile& profile, const SimulationOptions& options,
                           std::ostream& out) {
  Status valid = ValidateSimulationOptions(profile, options);
  CHECK(valid.ok());
  ZoneView view(profile, options.date);
  CommandLog log(profile.id, options.date, profile.utc_offset_minutes, options.id_prefix);
  // One generator for the day, consumed in a fixed order: the catalogue, the goods, the persons.
  Random random(options.seed ^ ZoneSalt(profile.id));
  WriteCatalogue(view, &log);
  SimulateGoods(view, options, Consignments(view, options), random, &log);
  SimulatePersons(view, options, random, &log);
  return log.Write(out);
}

}  // namespace twoline::sim
