// The OpenAPI 3 document of the HTTP API, served at GET /v1/openapi.json.
//
// Generated, not written: the command schemas come from the parser's command table
// (engine/command_table.h) — one schema per command type with its envelope and its fields, required
// ones marked — and the limits from the server's options, so the document always describes what the
// running server accepts. Nested bodies (person, declaration, …) are documented in docs/api.md and
// SPEC §2; here they are typed as JSON values.
// Thread-safety: pure.
#pragma once

#include <string>
#include <vector>

#include "engine/command_table.h"

namespace twoline::api {

struct OpenApiLimits {
  size_t body_bytes_max = 0;
  size_t batch_commands_max = 0;
  size_t command_bytes_max = 0;
  size_t declaration_lines_max = 0;
  size_t page_limit_max = 0;
};

std::string OpenApiDocument(const std::vector<engine::CommandTypeInfo>& commands,
                            const OpenApiLimits& limits);

}  // namespace twoline::api
