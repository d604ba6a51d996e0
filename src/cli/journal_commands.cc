#include "cli/journal_commands.h"

#include <algorithm>
#include <iostream>
#include <unordered_map>

#include "base/json_writer.h"
#include "cli/run_input.h"
#include "cli/store_commands.h"
#include "engine/goods_queries.h"
#include "engine/queries.h"
#include "journal/journal_file.h"
#include "policy/profile_loader.h"

namespace twoline::cli {

int RunJournal(const RunOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  StoreLocation location;
  location.journal = options.journal_path;
  return RunStore(options, location, in, out, err);
}

int VerifyJournal(const std::string& journal_path, std::ostream& out, std::ostream& err) {
  StoreLocation location;
  location.journal = journal_path;
  return VerifyStore(location, "", /*from_snapshot=*/false, out, err);
}

// Answers a query from an engine; shared by the journal and database forms. Exit status 1 with a
// message for unknown parties or declarations and malformed dates.
int AnswerQuery(const engine::Engine& engine, const QueryOptions& options, std::ostream& out,
                std::ostream& err) {
  std::string answer;
  if (options.what == "presence") {
    answer = options.table ? engine::PresenceTable(engine) : engine::PresenceJson(engine, 0, SIZE_MAX);
  } else if (options.what == "balance") {
    if (options.party.empty()) {
      err << "twoline query balance: --party is required\n";
      return 1;
    }
    answer = options.table ? engine::BalanceTable(engine, options.party)
                           : engine::BalanceJson(engine, options.party);
    if (answer.empty()) err << "twoline query balance: unknown party \"" << options.party << "\"\n";
  } else if (options.what == "trace") {
    if (options.declaration.empty()) {
      err << "twoline query trace: --declaration is required\n";
      return 1;
    }
    std::string error;
    std::string key = engine.state().goods.ResolveDocument(options.declaration, "", &error);
    answer = key.empty()       ? ""
             : options.table ? engine::TraceTable(engine, key)
                             : engine::TraceJson(engine, key);
    if (answer.empty()) {
      err << "twoline query trace: "
          << (key.empty() ? error : "unknown declaration \"" + options.declaration + "\"") << "\n";
    }
  } else if (options.what == "report") {
    auto from = ParseDate(options.from.empty() ? "1900-01-01" : options.from);
    auto to = ParseDate(options.to.empty() ? "2999-12-31" : options.to);
    if (!from || !to) {
      err << "twoline query report: " << (!from ? from.error().message : to.error().message) << "\n";
      return 1;
    }
    if (*from > *to) {
      err << "twoline query report: --from " << options.from << " is after --to " << options.to << "\n";
      return 1;
    }
    answer = options.table ? engine::ReportTable(engine, *from, *to)
                           : engine::ReportJson(engine, *from, *to);
  } else {
    err << "twoline query: unknown query \"" << options.what << "\"\n";
    return 1;
  }
  if (answer.empty()) return 1;
  out << answer;
  if (answer.back() != '\n') out << "\n";
  return 0;
}

}  // namespace twoline::cli
