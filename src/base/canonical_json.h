// Canonical JSON of a parsed simdjson value: object keys sorted bytewise, no whitespace, strings
// escaped as AppendJsonString does. Used for the stored form of commands and decisions, so that the
// same content always has the same bytes (and the same hash).
// Thread-safety: pure.
#pragma once

#include <simdjson.h>
#include <string>

namespace twoline {

void AppendCanonicalJson(simdjson::dom::element value, std::string* out);

}  // namespace twoline
