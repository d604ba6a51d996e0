// libFuzzer target: the command parser (engine::ParseCommand) on arbitrary bytes. A parse either
// fails with a message and a path, or yields a command whose canonical JSON parses again to the
// same canonical JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  twoline::engine::Limits limits;
  twoline::engine::Command command;
  twoline::engine::ParseFailure failure;
  if (!twoline::engine::ParseCommand(text, limits, &command, &failure)) {
    if (failure.message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  twoline::engine::Command again;
  if (!twoline::engine::ParseCommand(command.canonical, limits, &again, &failure)) std::abort();
  if (again.canonical != command.canonical) std::abort();
  return 0;
}
