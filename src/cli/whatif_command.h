// `twoline whatif (--journal FILE | --db FILE) --zone Z --profile draft.toml [--from DATE]
// [--to DATE] [--format json|table] [--limit N]`: the recorded commands of a period decided again
// under a draft profile (whatif/whatif.h, docs/whatif.md). It opens the journal or database for
// reading only and writes nothing but its report.
//
// Prints the report on `out` and returns 0, or prints the reason on `err` and returns 1.
// Thread-safety: each call owns what it opens.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace twoline::cli {

struct WhatIfOptions {
  std::string journal_path;
  std::string db_path;
  std::string zone;
  std::string profile_path;
  std::string from, to;  // YYYY-MM-DD, empty: open
  bool table = false;
  size_t limit = 10000;  // changed commands listed with both decisions
};

int RunWhatIf(const WhatIfOptions& options, std::ostream& out, std::ostream& err);

// Adds `whatif` to the application; Run runs it when it was parsed.
class WhatIfCommandLine {
 public:
  void Register(CLI::App* app);
  std::optional<int> Run(std::ostream& out, std::ostream& err);

 private:
  CLI::App* command_ = nullptr;
  WhatIfOptions options_;
  std::string format_ = "json";
};

}  // namespace twoline::cli
