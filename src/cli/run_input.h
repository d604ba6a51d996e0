// Helpers shared by `run --journal` and `run --db`: the profile a run puts in force and the decision
// line written for a malformed input line. One definition, so that both backends answer the same
// input with the same bytes (SPEC behaviour 15).
// Thread-safety: pure functions (LoadZoneProfile reads files).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/result.h"
#include "engine/command.h"
#include "policy/profile.h"

namespace twoline::cli {

// The profile to put in force for `zone`: the file at `profile_path` when given (it must be a
// profile for `zone`), else the built-in profile.
Result<std::shared_ptr<const policy::Profile>> LoadZoneProfile(const std::string& zone,
                                                              const std::string& profile_path);

// {"id":..|null,"line":N,"outcome":"invalid","reasons":[{"rule":"command.malformed","detail":"line N: ..."}]}
std::string MalformedLineDecision(const engine::ParseFailure& failure, size_t line_number);

// True when a profile differs from the one in force (text or tariff), so that putting it in force
// is a new journal entry.
bool ProfileChanged(const policy::Profile& in_force, const policy::Profile& candidate);

}  // namespace twoline::cli
