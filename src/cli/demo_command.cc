#include "cli/demo_command.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "base/decimal.h"
#include "cli/journal_commands.h"
#include "engine/queries.h"
#include "journal/journal_file.h"
#include "policy/profile_loader.h"
#include "sim/simulator.h"

namespace twoline::cli {
namespace {

Result<policy::Profile> LoadZone(const std::string& zone) { return policy::LoadBuiltinProfile(zone); }

// Tallies of a run's decisions, for the summary.
struct Tally {
  std::map<std::string, int64_t> outcomes;
  std::map<std::string, int64_t> rules;  // "outcome rule" -> count
  int64_t duty_fen = 0, vat_fen = 0, personal_tax_fen = 0, held = 0;

  void Add(std::string_view line) {
    simdjson::dom::parser& parser = Parser();
    simdjson::dom::element decision;
    if (parser.parse(line.data(), line.size()).get(decision)) return;
    std::string_view outcome;
    if (decision["outcome"].get(outcome)) return;
    ++outcomes[std::string(outcome)];
    simdjson::dom::array reasons;
    if (!decision["reasons"].get(reasons)) {
      for (auto reason : reasons) {
        std::string_view rule;
        if (!reason["rule"].get(rule)) ++rules[std::string(outcome) + " " + std::string(rule)];
      }
    }
    simdjson::dom::object assessment;
    if (!decision["assessment"].get(assessment)) {
      duty_fen += Amount(assessment, "customs_duty");
      vat_fen += Amount(assessment, "import_vat");
      personal_tax_fen += Amount(assessment, "personal_articles_tax");
    }
  }
  static int64_t Amount(simdjson::dom::object object, const char* key) {
    std::string_view text;
    if (object[key].get(text)) return 0;
    auto value = ParseFixed(text, kMoneyScale, true, key);
    return value ? *value : 0;
  }
  static simdjson::dom::parser& Parser() {
    static simdjson::dom::parser parser;
    return parser;
  }
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Simulates a day in one zone, runs it into a fresh journal, verifies it, prints the summary.
int DemoZone(const std::string& zone, const std::string& date, int persons, int crossings,
             const std::string& directory, std::ostream& out, std::ostream& err) {
  auto profile = LoadZone(zone);
  if (!profile) {
    err << profile.error().message << "\n";
    return 1;
  }
  sim::SimulationOptions simulation;
  simulation.date = *ParseDate(date);
  simulation.persons = persons;
  simulation.crossings = crossings;
  simulation.seed = 20250502;
  std::ostringstream commands;
  auto started = std::chrono::steady_clock::now();
  sim::SimulationSummary summary = sim::Simulate(*profile, simulation, commands);
  double simulate_seconds = Seconds(started);

  std::string journal_path = directory + "/" + zone + ".journal";
  std::remove(journal_path.c_str());
  RunOptions run;
  run.zone = zone;
  run.journal_path = journal_path;
  std::istringstream input(commands.str());
  std::ostringstream decisions;
  started = std::chrono::steady_clock::now();
  if (RunJournal(run, input, decisions, err) != 0) return 1;
  double run_seconds = Seconds(started);

  started = std::chrono::steady_clock::now();
  journal::Chain chain;
  if (Status s = journal::ReplayJournalFile(journal_path, &chain); !s) {
    err << "verify failed: " << s.message() << "\n";
    return 1;
  }
  double verify_seconds = Seconds(started);

  Tally tally;
  std::istringstream lines(decisions.str());
  std::string line;
  while (std::getline(lines, line)) tally.Add(line);

  char buffer[256];
  out << "\n== " << profile->name << " (" << zone << "), " << date << "\n";
  std::snprintf(buffer, sizeof buffer,
                "   %lld commands simulated in %.2f s: %lld crossings, %lld registrations, %lld declarations\n",
                static_cast<long long>(summary.commands), simulate_seconds,
                static_cast<long long>(summary.crossings),
                static_cast<long long>(summary.registrations),
                static_cast<long long>(summary.declarations));
  out << buffer;
  std::snprintf(buffer, sizeof buffer,
                "   decided and journaled in %.2f s (%.0f commands/s); verified %llu entries in %.2f s\n",
                run_seconds, static_cast<double>(summary.commands) / run_seconds,
                static_cast<unsigned long long>(chain.entries()), verify_seconds);
  out << buffer;
  out << "   outcomes:";
  for (const auto& [outcome, count] : tally.outcomes) out << " " << outcome << " " << count;
  out << "\n   by rule:\n";
  for (const auto& [rule, count] : tally.rules) {
    std::snprintf(buffer, sizeof buffer, "     %-9lld %s\n", static_cast<long long>(count), rule.c_str());
    out << buffer;
  }
  out << "   assessed: customs duty CNY " << FormatMoney(tally.duty_fen) << ", import VAT CNY "
      << FormatMoney(tally.vat_fen) << ", personal-articles tax CNY "
      << FormatMoney(tally.personal_tax_fen) << "\n";
  out << "   goods held for inspection or test: " << tally.outcomes["held"]
      << " declarations; rejected by a ban or rule: " << tally.outcomes["rejected"] << " commands\n";
  out << "   inside at midnight: " << chain.engine().state().inside_count << " persons\n";
  out << "   journal " << journal_path << " head " << ToHex(chain.head()).substr(0, 16)
      << "… state " << ToHex(chain.engine().StateHash()).substr(0, 16) << "…\n";
  return 0;
}

}  // namespace

int RunSimulate(const SimulateOptions& options, std::ostream& out, std::ostream& err) {
  auto profile = LoadZone(options.zone);
  if (!profile) {
    err << "twoline simulate: " << profile.error().message << "\n";
    return 1;
  }
  auto date = ParseDate(options.date);
  if (!date) {
    err << "twoline simulate: --date: " << date.error().message << "\n";
    return 1;
  }
  sim::SimulationOptions simulation;
  simulation.date = *date;
  simulation.persons = options.persons;
  simulation.crossings = options.crossings;
  simulation.consignments = options.consignments;
  simulation.seed = options.seed;
  simulation.id_prefix = options.id_prefix;
  if (Status s = sim::ValidateSimulationOptions(*profile, simulation); !s) {
    err << "twoline simulate: " << s.message() << "\n";
    return 1;
  }
  sim::Simulate(*profile, simulation, out);
  out.flush();
  return 0;
}

int RunDemo(const DemoOptions& options, std::ostream& out, std::ostream& err) {
  mkdir(options.directory.c_str(), 0755);
  out << "twoline demo: simulated days through `twoline run`, journaled, verified\n";
  if (DemoZone("hengqin", "2025-05-02", options.hengqin_crossings / 2, options.hengqin_crossings,
               options.directory, out, err) != 0) {
    return 1;
  }
  if (DemoZone("hetao-sz", "2026-03-02", options.hetao_persons, -1, options.directory, out, err) != 0) {
    return 1;
  }
  out << "\nReplay a journal yourself:  build/twoline verify --journal " << options.directory
      << "/hengqin.journal\n";
  return 0;
}

}  // namespace twoline::cli
