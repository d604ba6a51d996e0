// `twoline zones` and `twoline check-profile`: the built-in zone profiles for people and clients,
// and validation of a profile file with file:line errors.
//
// ZoneJson is the SPEC §1 discovery shape, also used by the HTTP API's GET /v1/zones, so that a
// client discovers gate ids instead of guessing them.
// Thread-safety: each call owns its state.
#pragma once

#include <iosfwd>
#include <string>

#include "policy/profile.h"

namespace twoline::cli {

// {"id","name","area_km2","positioning","lines":[{"line","outside","persons_controlled"}],
//  "gates":[{"id","line","lane","list"?}],"lists":[names]}; area_km2 is a JSON number written from
// the profile's decimal text (null if that text is not a decimal). Compact, no trailing newline.
std::string ZoneJson(const policy::Profile& profile);

// Prints every built-in profile: with `json`, one JSON array of ZoneJson objects on one line;
// otherwise a table (id, name, area, lines, gate count) followed by each zone's gates. Returns 0,
// or 1 after printing the errors of a built-in profile that does not load.
int RunZones(bool json, std::ostream& out, std::ostream& err);

// Validates the profile at `path` (and its tariff file). Prints each problem to `err` as
// "file:line: what is wrong" and returns 1; prints "ok <id> <sha256>" to `out` and returns 0 when
// the profile is valid.
int RunCheckProfile(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace twoline::cli
