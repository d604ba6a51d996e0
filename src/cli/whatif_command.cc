#include "cli/whatif_command.h"

#include <CLI/CLI.hpp>
#include <ostream>

#include "policy/profile_loader.h"
#include "store/journal_store.h"
#include "store/sqlite_store.h"
#include "whatif/whatif.h"

namespace twoline::cli {
namespace {

Result<std::unique_ptr<store::Store>> OpenStore(const WhatIfOptions& options) {
  if (!options.journal_path.empty()) {
    store::JournalStoreOptions journal;
    journal.read_only = true;
    auto file = store::JournalStore::Open(options.journal_path, journal);
    if (!file) return file.error();
    return std::unique_ptr<store::Store>(std::move(*file));
  }
  store::SqliteOptions sqlite;
  sqlite.read_only = true;
  sqlite.read_connections_max = 2;
  auto db = store::SqliteStore::Open(options.db_path, sqlite);
  if (!db) return db.error();
  return std::unique_ptr<store::Store>(std::move(*db));
}

}  // namespace

int RunWhatIf(const WhatIfOptions& options, std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& message) {
    err << "twoline whatif: " << message << "\n";
    return 1;
  };
  whatif::Request request;
  request.zone = options.zone;
  request.changes_listed_max = options.limit;
  for (auto [text, date, name] : {std::tuple{&options.from, &request.from, "--from"},
                                  std::tuple{&options.to, &request.to, "--to"}}) {
    if (text->empty()) continue;
    auto parsed = ParseDate(*text);
    if (!parsed) return fail(std::string(name) + ": " + parsed.error().message);
    *date = *parsed;
  }
  // The draft file with the tariff it names (relative to its directory).
  auto draft = policy::LoadProfileFile(options.profile_path, nullptr);
  if (!draft) return fail("the draft profile does not load:\n" + draft.error().message);
  request.draft_text = draft->source_text;
  request.draft_tariff = draft->tariff_text;
  request.draft_name = options.profile_path;
  auto store = OpenStore(options);
  if (!store) return fail(store.error().message);
  auto report = whatif::Run(**store, request);
  if (!report) return fail(report.error().message);
  out << (options.table ? whatif::ReportTable(*report) : whatif::ReportJson(*report));
  return 0;
}

void WhatIfCommandLine::Register(CLI::App* app) {
  command_ = app->add_subcommand(
      "whatif", "decide a period's recorded commands again under a draft profile (writes nothing)");
  auto* journal =
      command_->add_option("--journal", options_.journal_path, "JSON Lines journal file");
  auto* db = command_->add_option("--db", options_.db_path, "embedded SQLite database");
  journal->excludes(db);
  command_->add_option("--zone", options_.zone, "zone id")->required();
  command_->add_option("--profile", options_.profile_path, "the draft profile (TOML)")->required();
  command_->add_option("--from", options_.from, "first day of the period, YYYY-MM-DD");
  command_->add_option("--to", options_.to, "last day of the period, YYYY-MM-DD");
  command_->add_option("--format", format_, "json or table")
      ->check(CLI::IsMember({"json", "table"}));
  command_
      ->add_option("--limit", options_.limit,
                   "changed commands listed with both decisions (default 10000)")
      ->check(CLI::Range(0, 100000000));
  command_->callback([this]() {
    if (options_.journal_path.empty() && options_.db_path.empty()) {
      throw CLI::ValidationError("whatif", "--journal FILE or --db FILE is required");
    }
  });
}

std::optional<int> WhatIfCommandLine::Run(std::ostream& out, std::ostream& err) {
  if (command_ == nullptr || !command_->parsed()) return std::nullopt;
  options_.table = format_ == "table";
  return RunWhatIf(options_, out, err);
}

}  // namespace twoline::cli
