// twoline: the command-line entry point. Each subcommand is a function in src/cli/; main only
// parses arguments (CLI11) and dispatches.
#include <CLI/CLI.hpp>
#include <iostream>

#include "base/exit_keep.h"
#include "cli/demo_command.h"
#include "cli/journal_commands.h"
#include "cli/live_demo.h"
#include "cli/proof_commands.h"
#include "cli/serve_command.h"
#include "cli/store_commands.h"
#include "cli/whatif_command.h"
#include "cli/zones_command.h"

namespace {

CLI::Option* AddPostgres(CLI::App* command, std::string* postgres) {
  return command->add_option("--postgres", *postgres,
                             "PostgreSQL database: libpq connection string or URI");
}

// `--journal FILE`, `--db FILE` or `--postgres CONNINFO`, exactly one.
void AddStorage(CLI::App* command, std::string* journal, std::string* db, std::string* postgres) {
  auto* journal_option = command->add_option("--journal", *journal, "JSON Lines journal file");
  auto* db_option = command->add_option("--db", *db, "embedded SQLite database");
  auto* postgres_option = AddPostgres(command, postgres);
  journal_option->excludes(db_option)->excludes(postgres_option);
  db_option->excludes(postgres_option);
  command->callback([journal, db, postgres, command]() {
    if (journal->empty() && db->empty() && postgres->empty()) {
      throw CLI::ValidationError(command->get_name(),
                                 "--journal FILE, --db FILE or --postgres CONNINFO is required");
    }
  });
}

// `--db FILE` or `--postgres CONNINFO`, exactly one.
void AddDatabase(CLI::App* command, std::string* db, std::string* postgres) {
  auto* db_option = command->add_option("--db", *db, "embedded SQLite database");
  db_option->excludes(AddPostgres(command, postgres));
  command->callback([db, postgres, command]() {
    if (db->empty() && postgres->empty()) {
      throw CLI::ValidationError(command->get_name(), "--db FILE or --postgres CONNINFO is required");
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  // One command per process: large states are left to the kernel at exit (base/exit_keep.h).
  twoline::process_exits_after_command = true;
  CLI::App app{"twoline: first-line / second-line customs supervision for the Greater Bay Area zones"};
  app.require_subcommand(1);

  bool zones_json = false;
  auto* zones = app.add_subcommand("zones", "list the built-in zone profiles");
  zones->add_flag("--json", zones_json, "print as JSON (SPEC §1 shape)");

  std::string profile_file;
  auto* check = app.add_subcommand("check-profile", "validate a profile file");
  check->add_option("FILE", profile_file, "profile TOML file")->required();

  std::string journal_path, db_path, postgres;
  twoline::cli::RunOptions run_options;
  auto* run = app.add_subcommand("run", "decide JSON Lines commands from stdin into a journal or database");
  run->add_option("--zone", run_options.zone, "zone id")->required();
  run->add_option("--profile", run_options.profile_path, "profile file to put in force");
  AddStorage(run, &run_options.journal_path, &db_path, &postgres);
  run->add_option("--snapshot-every", run_options.snapshot_every_entries,
                  "write a snapshot at the end when this many entries were journaled since the "
                  "last one (default 50000; 0: never)");
  run->add_flag("--stats", run_options.stats, "print startup, deciding and snapshot times");
  run->add_option("--batch", run_options.batch_lines_max,
                  "commands per durable group commit (default 4096)")
      ->check(CLI::Range(1, 1 << 20));
  run->add_option("--read-models-every", run_options.read_models_every_commands,
                  "database: write the read models once per this many commands and at the end "
                  "(default 16384)")
      ->check(CLI::Range(1, 1 << 30));

  std::string zone;
  auto* verify = app.add_subcommand("verify", "recompute the hash chain and replay the journal");
  AddStorage(verify, &journal_path, &db_path, &postgres);
  verify->add_option("--zone", zone, "database: only this zone");
  bool from_snapshot = false;
  verify->add_flag("--from-snapshot", from_snapshot,
                   "check the newest valid snapshot and replay only the entries after it");

  twoline::cli::ProofCommandLine proof_commands;
  proof_commands.Register(&app, verify);

  twoline::cli::WhatIfCommandLine whatif_command;
  whatif_command.Register(&app);

  twoline::cli::QueryOptions query_options;
  std::string format = "json";
  auto* query = app.add_subcommand("query", "read models: presence, balance, declaration, trace, report");
  query->add_option("WHAT", query_options.what, "presence|balance|declaration|trace|report")
      ->required()
      ->check(CLI::IsMember({"presence", "balance", "declaration", "trace", "report"}));
  AddStorage(query, &journal_path, &db_path, &postgres);
  query->add_option("--zone", query_options.zone, "database: the zone");
  query->add_option("--party", query_options.party, "balance: the party");
  query->add_option("--declaration", query_options.declaration, "declaration, trace: the declaration");
  query->add_option("--from", query_options.from, "report: first day, YYYY-MM-DD");
  query->add_option("--to", query_options.to, "report: last day, YYYY-MM-DD");
  query->add_option("--format", format, "json or table")->check(CLI::IsMember({"json", "table"}));

  auto* export_command = app.add_subcommand("export", "write a database's journal as a JSON Lines file");
  AddDatabase(export_command, &db_path, &postgres);
  export_command->add_option("--zone", zone, "zone (when the database holds several)");
  export_command->add_option("--journal", journal_path, "journal file to write")->required();

  auto* import_command = app.add_subcommand("import", "load a verified JSON Lines journal into a database");
  import_command->add_option("--journal", journal_path, "journal file")->required();
  AddDatabase(import_command, &db_path, &postgres);

  twoline::cli::ServeOptions serve_options;
  auto* serve = app.add_subcommand("serve", "HTTP API on a database (a cluster node with --postgres)");
  AddDatabase(serve, &serve_options.db_path, &serve_options.postgres);
  serve->add_option("--node-id", serve_options.node_id, "cluster: this node's id (with --postgres)");
  serve->add_option("--advertise", serve_options.advertise,
                    "cluster: URL other nodes relay to (default http://LISTEN-HOST:PORT)");
  serve->add_option("--lease-ms", serve_options.lease_ms, "cluster: zone lease in ms (default 2000)")
      ->check(CLI::Range(100, 600000));
  serve->add_option("--listen", serve_options.listen, "HOST:PORT (default 127.0.0.1:8080)");
  serve->add_option("--zone", serve_options.zones, "zone to serve (repeatable; default all built-in)");
  serve->add_flag("--access-log", serve_options.access_log, "log every request");
  serve->add_option("--threads", serve_options.threads, "worker threads for database reads (default 128)")
      ->check(CLI::Range(1, 4096));
  serve->add_option("--queue", serve_options.queue_commands_max,
                    "commands waiting before 503 (default 100000)")
      ->check(CLI::Range(1, 10000000));

  serve->add_option("--snapshot-every", serve_options.snapshot_every_entries,
                    "background snapshot of a zone after this many entries (default 100000; 0: off), "
                    "and no sooner than nine times the last one's length after it");
  serve->add_option("--snapshot-seconds", serve_options.snapshot_every_seconds,
                    "... or after this many seconds with new entries (default 300; 0: off)")
      ->check(CLI::Range(0, 1 << 30));
  serve->add_option("--checkpoint-key", serve_options.checkpoint_key_path,
                    "sign and keep a checkpoint of each zone at an interval with this private key "
                    "(PREFIX.key); also signs fresh ones for GET .../checkpoint");
  serve->add_option("--checkpoint-seconds", serve_options.checkpoint_every_seconds,
                    "with --checkpoint-key: sign every this many seconds with new entries (default 60; 0: not by time)")
      ->check(CLI::Range(0, 1 << 30));
  serve->add_option("--checkpoint-entries", serve_options.checkpoint_every_entries,
                    "... or every this many entries (default 10000; 0: not by count)");

  twoline::cli::TokenOptions token_options;
  auto* token = app.add_subcommand("token", "manage API tokens: create | list | revoke");
  token->add_option("ACTION", token_options.action, "create|list|revoke")
      ->required()
      ->check(CLI::IsMember({"create", "list", "revoke"}));
  AddDatabase(token, &token_options.db_path, &token_options.postgres);
  token->add_option("--role", token_options.role, "create: officer|declarant|auditor|admin");
  token->add_option("--zone", token_options.zone, "create: the zone (officer, declarant)");
  token->add_option("--party", token_options.party, "create: the party (declarant)");
  token->add_option("--id", token_options.id, "revoke: the token id");

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
  twoline::cli::LiveDemoOptions live_options;
  bool live = false, summary_only = false;
  auto* demo = app.add_subcommand("demo", "a working zone: simulated days journaled and verified, then a live server");
  demo->add_option("--dir", demo_options.directory, "where to write journals and the database");
  demo->add_option("--crossings", demo_options.hengqin_crossings, "Hengqin crossings");
  demo->add_flag("--live", live, "only the live server part");
  demo->add_flag("--summary", summary_only, "only the journal summary part");
  demo->add_option("--listen", live_options.listen, "live: HOST:PORT");
  demo->add_option("--speed", live_options.speed, "live: simulated seconds per second");
  demo->add_option("--seconds", live_options.duration_seconds_max, "live: stop after this many seconds");

  CLI11_PARSE(app, argc, argv);
  using namespace twoline::cli;  // NOLINT: dispatch table reads better unqualified

  if (auto status = proof_commands.Run(StoreLocation{db_path, journal_path, postgres}, zone,
                                       std::cout, std::cerr)) {
    return *status;
  }
  if (auto status = whatif_command.Run(std::cout, std::cerr)) return *status;
  if (zones->parsed()) return RunZones(zones_json, std::cout, std::cerr);
  if (check->parsed()) return RunCheckProfile(profile_file, std::cout, std::cerr);
  if (run->parsed()) {
    StoreLocation location{db_path, run_options.journal_path, postgres};
    return RunStore(run_options, location, std::cin, std::cout, std::cerr);
  }
  if (verify->parsed()) {
    StoreLocation location{db_path, journal_path, postgres};
    return VerifyStore(location, zone, from_snapshot, std::cout, std::cerr);
  }
  if (query->parsed()) {
    query_options.table = format == "table";
    StoreLocation location{db_path, journal_path, postgres};
    return QueryStore(location, query_options, std::cout, std::cerr);
  }
  if (export_command->parsed()) {
    return ExportDb(StoreLocation{db_path, "", postgres}, zone, journal_path, std::cout, std::cerr);
  }
  if (import_command->parsed()) {
    return ImportDb(journal_path, StoreLocation{db_path, "", postgres}, std::cout, std::cerr);
  }
  if (serve->parsed()) {
    if (serve_options.postgres.empty() != serve_options.node_id.empty()) {
      std::cerr << "twoline serve: --postgres and --node-id go together\n";
      return 2;
    }
    return Serve(serve_options, std::cout, std::cerr);
  }
  if (token->parsed()) return Token(token_options, std::cout, std::cerr);
  if (simulate->parsed()) return RunSimulate(simulate_options, std::cout, std::cerr);
  if (demo->parsed()) {
    live_options.directory = demo_options.directory;
    if (!live && RunDemo(demo_options, std::cout, std::cerr) != 0) return 1;
    if (summary_only) return 0;
    return RunLiveDemo("/proc/self/exe", live_options, std::cout, std::cerr);
  }
  return 2;
}
