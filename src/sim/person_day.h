// The persons of a simulated day: travellers registered around midnight, the list changes that put
// some of them on the talent, fresh-food and watch lists, and their crossings.
//
// Each traveller gets a plan of crossings — usually a round trip through the line they live
// beyond (in, then out later the same day), sometimes with an excursion through the other line —
// and a few get an anomaly at the rates in docs/simulator.md: expired documents, a watchlist hit,
// a wrong (whitelist) lane, a double entry, an exit without entry, goods over the allowance,
// fresh food over the quota, twice a day or through a forbidden line. A traveller refused at a
// lane or for fresh food tries again the way a real one would (the general lane, less food).
// When the caller asks for an exact number of crossings, whole plans are dropped or extra round
// trips added until the count matches.
// Thread-safety: not shared.
#pragma once

#include "sim/command_log.h"
#include "sim/random.h"
#include "sim/simulator.h"
#include "sim/zone_view.h"

namespace twoline::sim {

// Writes the registrations, list changes and crossings of `options.persons` travellers.
// Precondition: ValidateSimulationOptions(view.profile(), options) is ok.
void SimulatePersons(const ZoneView& view, const SimulationOptions& options, Random& random,
                     CommandLog* log);

// Second-of-day windows (local time) that order a day: registrations before list changes before
// traffic.
inline constexpr int32_t kRegistryStart = 0;         // 00:00:00 parties and items
inline constexpr int32_t kPersonsStart = 5 * 60;     // 00:05:00 persons
inline constexpr int32_t kPersonsSeconds = 20 * 60;  // until 00:24:59
inline constexpr int32_t kListsStart = 25 * 60;      // 00:25:00 list changes
inline constexpr int32_t kTrafficStart = 30 * 60;    // 00:30:00 crossings

}  // namespace twoline::sim
