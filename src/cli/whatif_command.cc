#include "cli/whatif_command.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <ostream>

#include "journal/entry.h"
#include "policy/profile_loader.h"
#include "store/sqlite_store.h"
#include "whatif/whatif.h"

namespace twoline::cli {
namespace {

// A JSON Lines journal file seen as a read-only Store: its one zone's entries, no read models, no
// snapshots. The file is mapped, not copied, and lines are handed out as they are; each is checked
// when the what-if replays it.
class JournalFileView final : public store::Store {
 public:
  static Result<std::unique_ptr<JournalFileView>> Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{path + ": " + std::strerror(errno)};
    struct stat info;
    if (fstat(fd, &info) != 0) {
      close(fd);
      return Error{path + ": " + std::strerror(errno)};
    }
    size_t size = static_cast<size_t>(info.st_size);
    void* data = size == 0 ? nullptr : mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED) return Error{path + ": " + std::strerror(errno)};
    auto view =
        std::unique_ptr<JournalFileView>(new JournalFileView(static_cast<const char*>(data), size));
    if (Status status = view->Index(); !status) return Error{path + ": " + status.message()};
    return view;
  }
  ~JournalFileView() override {
    if (size_ > 0) munmap(const_cast<char*>(data_), size_);
  }

  Result<std::vector<store::ZoneRecord>> Zones() override {
    if (entries() == 0) return std::vector<store::ZoneRecord>{};
    return std::vector<store::ZoneRecord>{{zone_, entries(), head_, 0}};
  }
  Result<std::vector<store::EntryRecord>> ReadEntries(const std::string& zone, uint64_t from_seq,
                                                      size_t limit) override {
    std::vector<store::EntryRecord> out;
    Status status = ScanEntries(zone, from_seq, from_seq + std::min(limit, store::kReadRowsMax) - 1,
                                [&](const store::EntryRecord& record) {
                                  out.push_back(record);
                                  return Status::Ok();
                                });
    if (!status) return Error{status.message()};
    return out;
  }
  Status ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                     const std::function<Status(const store::EntryRecord&)>& each) override {
    if (zone != zone_) return Status::Ok();
    store::EntryRecord record;
    record.zone = zone_;
    for (uint64_t seq = std::max<uint64_t>(from_seq, 1); seq <= std::min(through_seq, entries());
         ++seq) {
      record.seq = seq;
      record.line.assign(Line(seq));
      if (!HashOfLine(record.line, &record.hash)) {
        return Error{"seq " + std::to_string(seq) + ": no hash at the end of the line"};
      }
      if (Status status = each(record); !status) return status;
    }
    return Status::Ok();
  }
  Result<std::vector<store::SnapshotInfo>> ListSnapshots(const std::string&) override {
    return std::vector<store::SnapshotInfo>{};
  }

  // A journal file read this way holds entries only.
  Status Append(const store::AppendBatch&) override { return NotHere(); }
  bool failed() const override { return false; }
  Result<store::PresencePage> ReadPresence(const std::string&, size_t, size_t) override {
    return NotHere();
  }
  Result<std::optional<store::BalanceRow>> ReadBalance(const std::string&,
                                                       const std::string&) override {
    return NotHere();
  }
  Result<std::optional<store::ViewRow>> ReadView(const std::string&, const std::string&,
                                                 const std::string&) override {
    return NotHere();
  }
  Result<store::ViewPage> ListViews(const std::string&, const std::string&,
                                    const store::ViewFilter&, size_t, size_t) override {
    return NotHere();
  }
  Status WriteSnapshot(const std::string&, uint64_t, std::string_view) override {
    return NotHere();
  }
  Result<std::string> ReadSnapshot(const std::string&, uint64_t) override { return NotHere(); }
  Status DeleteSnapshot(const std::string&, uint64_t) override { return NotHere(); }
  Status CreateToken(const store::TokenRecord&) override { return NotHere(); }
  Result<std::vector<store::TokenRecord>> ListTokens() override { return NotHere(); }
  Result<bool> RevokeToken(const std::string&, const std::string&) override { return NotHere(); }

 private:
  JournalFileView(const char* data, size_t size) : data_(data), size_(size) {}
  static Error NotHere() { return Error{"a journal file opened for what-if holds entries only"}; }
  uint64_t entries() const { return line_starts_.empty() ? 0 : line_starts_.size() - 1; }
  std::string_view Line(uint64_t seq) const {
    size_t begin = line_starts_[seq - 1];
    return {data_ + begin, line_starts_[seq] - 1 - begin};
  }
  // `"hash":"<64 hex>"}` ends every entry line.
  static bool HashOfLine(std::string_view line, Hash256* hash) {
    return line.size() > 66 && FromHex(line.substr(line.size() - 66, 64), hash);
  }

  Status Index() {
    line_starts_.push_back(0);
    for (size_t at = 0; at < size_;) {
      const void* end = std::memchr(data_ + at, '\n', size_ - at);
      if (end == nullptr) {
        return Error{"seq " + std::to_string(line_starts_.size()) +
                     ": entry truncated mid-line (torn write)"};
      }
      at = static_cast<size_t>(static_cast<const char*>(end) - data_) + 1;
      line_starts_.push_back(at);
    }
    if (entries() == 0) return Status::Ok();
    auto first = journal::EntryFromJsonLine(Line(1));
    if (!first) return Error{"seq 1: " + first.error().message};
    zone_ = first->zone;
    if (!HashOfLine(Line(entries()), &head_)) {
      return Error{"seq " + std::to_string(entries()) + ": no hash at the end of the line"};
    }
    return Status::Ok();
  }

  const char* data_;
  size_t size_;
  std::vector<size_t> line_starts_;  // line_starts_[seq - 1]: where entry seq begins; back(): end
  std::string zone_;
  Hash256 head_{};
};

Result<std::unique_ptr<store::Store>> OpenStore(const WhatIfOptions& options) {
  if (!options.journal_path.empty()) {
    auto view = JournalFileView::Open(options.journal_path);
    if (!view) return view.error();
    return std::unique_ptr<store::Store>(std::move(*view));
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
