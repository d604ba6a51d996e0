// `twoline simulate` and `twoline demo` (the journal-file demo: a simulated record day at Hengqin and
// a day at the Hetao Shenzhen Park, run, verified and summarised).
// Thread-safety: each call owns its state.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace twoline::cli {

struct SimulateOptions {
  std::string zone;
  std::string date;  // YYYY-MM-DD
  int persons = 1000;
  int crossings = -1;
  int consignments = -1;
  uint64_t seed = 1;
  std::string id_prefix;
};

int RunSimulate(const SimulateOptions& options, std::ostream& out, std::ostream& err);

struct DemoOptions {
  std::string directory = "demo-out";  // where the journals are written
  int hengqin_crossings = 128400;      // Hengqin Port's record day, 2 May 2025 (DOMAIN §6)
  int hetao_persons = 15000;           // Shenzhen Park researchers (DOMAIN §2)
};

int RunDemo(const DemoOptions& options, std::ostream& out, std::ostream& err);

}  // namespace twoline::cli
