// libFuzzer target: the zone profile loader (policy::LoadProfileText) on arbitrary TOML text, with
// the built-in mainland tariff as the tariff file. Loading either succeeds or reports at least one
// "file:line: what" message; it never crashes, leaks or hits undefined behaviour.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/profile_loader.h"

namespace {
std::string tariff;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::ifstream in(std::string(TWOLINE_ZONES_DIR) + "/tariff-mainland.csv");
  std::stringstream text;
  text << in.rdbuf();
  tariff = text.str();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view toml(reinterpret_cast<const char*>(data), size);
  twoline::policy::ProfileErrors errors;
  auto profile = twoline::policy::LoadProfileText(toml, tariff, "fuzz.toml", &errors);
  if (!profile.ok() && errors.messages.empty()) std::abort();
  return 0;
}
