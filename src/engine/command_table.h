// CommandTable: the command table of command_parse.cc (kTypes) exported for other uses of the same
// single source of truth — the OpenAPI document (api/openapi.h) and help texts — so that the grammar
// the parser enforces and the grammar the API documents cannot drift apart.
//
// Each entry is a command type with the fields it takes beyond the envelope (id, zone, at, type),
// in the order the table lists them, each marked required or optional.
// Thread-safety: returns a fresh value built from constant data.
#pragma once

#include <vector>

#include "engine/command.h"

namespace twoline::engine {

struct CommandFieldInfo {
  const char* name;
  bool required;
};

struct CommandTypeInfo {
  const char* name;
  CommandType type;
  std::vector<CommandFieldInfo> fields;
};

// Defined in command_parse.cc beside kTypes.
std::vector<CommandTypeInfo> CommandTable();

}  // namespace twoline::engine
