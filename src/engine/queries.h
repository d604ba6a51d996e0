// Queries over an engine's state (read models for the CLI and the HTTP API): presence, and — in
// goods_queries.h — balances, traces and reports. JSON by default; tables for people.
// Thread-safety: read-only over a State owned by the caller's thread.
#pragma once

#include <cstddef>
#include <string>

#include "engine/engine.h"

namespace twoline::engine {

// {"zone","count","persons":[{"person","entered_at","gate"}...],"offset","limit"} sorted by person id.
std::string PresenceJson(const Engine& engine, size_t offset, size_t limit);
std::string PresenceTable(const Engine& engine);

}  // namespace twoline::engine
