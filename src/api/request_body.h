// Parsing of a POST /v1/zones/{zone}/commands body: one command (a JSON object) or a batch (a JSON
// array of them), with every limit checked and every fault mapped to an HTTP status and a JSON path.
//
//   not JSON at all (syntax, invalid UTF-8, nesting deeper than simdjson's 1024 levels)
//                                               400 "malformed_json"
//   JSON, but not commands (wrong shape, unknown field, bad value)
//                                               400 "invalid_command", with the path ("$[3].at")
//   over a limit (body bytes, commands per batch, bytes per command, lines per declaration and the
//   other per-array limits of engine::Limits)   413 "too_large", with the path
//
// A body that fails is refused whole: nothing of a batch is decided when any member is faulty, so a
// client can fix and resend it without wondering which part took effect.
// Thread-safety: pure (a thread_local simdjson parser per thread).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/command.h"

namespace twoline::api {

struct BodyLimits {
  size_t body_bytes_max = 8 << 20;
  size_t batch_commands_max = 1000;
  engine::Limits command;  // per command, including declaration_lines_max
};

struct ParsedBody {
  bool batch = false;
  std::vector<engine::Command> commands;
};

struct BodyError {
  int status = 400;
  std::string code;  // malformed_json | invalid_command | too_large
  std::string message;
  std::string path;  // JSON path of the fault, "" when the body is not JSON
};

std::variant<ParsedBody, BodyError> ParseCommandsBody(std::string_view body,
                                                      const BodyLimits& limits);

}  // namespace twoline::api
