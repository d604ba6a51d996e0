// Simulator: a seeded generator of a realistic day of commands for one zone (SPEC §2), written as
// JSON Lines — the traffic behind `twoline demo`, the benchmarks and the end-to-end tests.
//
// A simulated day, in time order: the registry (parties, goods catalogue, persons, list changes)
// around midnight; person crossings with morning and evening peaks, carried goods and a few
// anomalies at realistic rates; goods declarations with their releases, laboratory tests,
// processing, cancellations; and an end-of-day stocktake. Everything about the zone — gates, the
// documents each line accepts, lists, allowances, the fresh-food quota, bans, holds and tax-free
// rules — is read from the profile, never assumed; docs/simulator.md lists what a day contains and
// the rate of every anomaly.
//
// Invariants of the output: one JSON object per line, '\n'-terminated, sorted by `at` (ties keep
// the order the commands were generated in, so every command follows the ones it depends on);
// command ids are `<id_prefix>c-NNNNNNN`, numbered in output order and unique; every person,
// party, declaration and process id starts with id_prefix, so days with different prefixes can be
// concatenated; every command parses under the engine's grammar. The crossing count equals
// options.crossings and the declaration count equals options.consignments when they are given.
//
// Determinism: the output is a pure function of (profile, options). The simulator never reads a
// clock or the environment and uses its own PRNG (sim/random.h), so the same inputs give the same
// bytes on every platform and compiler.
// Thread-safety: Simulate shares no state; concurrent calls with different streams are safe.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/result.h"
#include "base/time.h"
#include "policy/profile.h"

namespace twoline::sim {

// Limits that keep a mistyped option from filling a disk.
inline constexpr int kPersonsMax = 10'000'000;
inline constexpr int kCrossingsMax = 50'000'000;
inline constexpr int kConsignmentsMax = 5'000'000;
inline constexpr size_t kIdPrefixBytesMax = 64;

struct SimulationOptions {
  Date date = 0;          // the zone-local day simulated
  int persons = 1000;     // distinct travellers registered
  int crossings = -1;     // total `cross` commands; -1 = about 2 per person (round trips)
  int consignments = -1;  // `declare` commands; -1 = a realistic share (persons / 12, at least
                          // 12) for zones with goods gates on both lines; 0 = none
  uint64_t seed = 1;
  std::string id_prefix;  // prepended to every command, declaration, process, person and party id
};

struct SimulationSummary {
  int64_t commands = 0;
  int64_t registrations = 0;  // register_party + register_person + register_item
  int64_t crossings = 0;
  int64_t declarations = 0;
  int64_t releases = 0;
  int64_t inspections = 0;
  int64_t processes = 0;
  int64_t stocktakes = 0;
  int64_t list_changes = 0;  // `list` commands
  int64_t cancels = 0;
};

// Checks options against the profile: counts within limits, an id prefix of [A-Za-z0-9._:-], and
// crossings only where the zone has person gates and persons to cross them. Callers that take
// options from users (the CLI) call this first; Simulate CHECKs it.
Status ValidateSimulationOptions(const policy::Profile& profile, const SimulationOptions& options);

// Writes the day as JSON Lines to `out`, in time order, and returns what it wrote.
SimulationSummary Simulate(const policy::Profile& profile, const SimulationOptions& options,
                           std::ostream& out);

}  // namespace twoline::sim
