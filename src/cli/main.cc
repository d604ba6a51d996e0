// twoline: the command-line entry point. Each subcommand is a function in src/cli/; main only
// parses arguments (CLI11) and dispatches.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/demo_command.h"
#include "cli/journal_commands.h"
#include "cli/zones_command.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  CLI::App app{"twoline: first-line / second-line customs supervision for the Greater Bay Area zones"};
  app.require_subcommand(1);

  bool zones_json = false;
  auto* zones = app.add_subcommand("zones", "list the built-in zone profiles");
  zones->add_flag("--json", zones_json, "print as JSON (SPEC §1 shape)");

  std::string profile_file;
  auto* check = app.add_subcommand("check-profile", "validate a profile file");
  check->add_option("FILE", profile_file, "profile TOML file")->required();

  twoline::cli::RunOptions run_options;
  auto* run = app.add_subcommand("run", "decide JSON Lines commands from stdin into a journal");
  run->add_option("--zone", run_options.zone, "zone id")->required();
  run->add_option("--profile", run_options.profile_path, "profile file to put in force");
  run->add_option("--journal", run_options.journal_path, "JSON Lines journal file")->required();

  std::string journal_path;
  auto* verify = app.add_subcommand("verify", "recompute the hash chain and replay the journal");
  verify->add_option("--journal", journal_path, "JSON Lines journal file")->required();

  twoline::cli::QueryOptions query_options;
  std::string format = "json";
  auto* query = app.add_subcommand("query", "read models: presence, balance, trace, report");
  query->add_option("WHAT", query_options.what, "presence|balance|trace|report")
      ->required()
      ->check(CLI::IsMember({"presence", "balance", "trace", "report"}));
  query->add_option("--journal", journal_path, "JSON Lines journal file")->required();
  query->add_option("--party", query_options.party, "balance: the party");
  query->add_option("--declaration", query_options.declaration, "trace: the declaration");
  query->add_option("--from", query_options.from, "report: first day, YYYY-MM-DD");
  query->add_option("--to", query_options.to, "report: last day, YYYY-MM-DD");
  query->add_option("--format", format, "json or table")->check(CLI::IsMember({"json", "table"}));

  twoline::cli::SimulateOptions simulate_options;
  auto* simulate = app.add_subcommand("simulate", "write a simulated day of commands (JSON Lines)");
  simulate->add_option("--zone", simulate_options.zone, "zone id")->required();
  simulate->add_option("--date", simulate_options.date, "zone-local day, YYYY-MM-DD")->required();
  simulate->add_option("--persons", simulate_options.persons, "distinct travellers");
  simulate->add_option("--crossings", simulate_options.crossings, "total crossings (default ~2 per person)");
  simulate->add_option("--consignments", simulate_options.consignments, "goods declarations");
  simulate->add_option("--seed", simulate_options.seed, "random seed");
  simulate->add_option("--id-prefix", simulate_options.id_prefix, "prefix for every id");

  twoline::cli::DemoOptions demo_options;
  auto* demo = app.add_subcommand("demo", "simulate, run, verify and summarise a day at Hengqin and Hetao");
  demo->add_option("--dir", demo_options.directory, "where to write the journals");
  demo->add_option("--crossings", demo_options.hengqin_crossings, "Hengqin crossings");

  CLI11_PARSE(app, argc, argv);

  if (zones->parsed()) return twoline::cli::RunZones(zones_json, std::cout, std::cerr);
  if (check->parsed()) return twoline::cli::RunCheckProfile(profile_file, std::cout, std::cerr);
  if (run->parsed()) return twoline::cli::RunJournal(run_options, std::cin, std::cout, std::cerr);
  if (verify->parsed()) return twoline::cli::VerifyJournal(journal_path, std::cout, std::cerr);
  if (simulate->parsed()) return twoline::cli::RunSimulate(simulate_options, std::cout, std::cerr);
  if (demo->parsed()) return twoline::cli::RunDemo(demo_options, std::cout, std::cerr);
  if (query->parsed()) {
    query_options.table = format == "table";
    return twoline::cli::QueryJournal(journal_path, query_options, std::cout, std::cerr);
  }
  return 2;
}
