// The goods of a simulated day: the catalogue, the parties that declare, and their consignments.
//
// Consignments follow a working day (07:30-18:30, busiest mid-morning and mid-afternoon). The day
// starts with empty stock, so mornings are mostly first-line admissions and mainland goods coming
// in; once goods have passed a gate they are sold on through the second line, re-exported through
// the first, transferred to another party, consumed, processed into products (which then leave
// through the second line) or, rarely, scrapped. Every declaration is followed by what really
// follows it: a release at a goods gate of the matching line (sometimes several declarations on
// one truck), a laboratory test for held Japanese aquatic products, an inspection for other held
// goods, or a cancellation. A stocktake closes the day with small differences.
//
// The generator keeps its own book of what each party holds, posted when goods pass a gate, so
// that outbound declarations stay within the declarant's balance. Declarations that the engine
// selects for inspection by sampling are not foreseen (sampling is the engine's secret); their
// releases are refused until an officer inspects them, as at a real gate.
// Thread-safety: not shared.
#pragma once

#include "sim/command_log.h"
#include "sim/random.h"
#include "sim/simulator.h"
#include "sim/zone_view.h"

namespace twoline::sim {

// register_item for every catalogue item, at the start of the day.
void WriteCatalogue(const ZoneView& view, CommandLog* log);

// Parties, their list changes, `consignments` declarations (exactly) and everything that follows
// them. Does nothing when consignments is 0.
void SimulateGoods(const ZoneView& view, const SimulationOptions& options, int consignments,
                   Random& random, CommandLog* log);

}  // namespace twoline::sim
