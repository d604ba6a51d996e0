#include "whatif/whatif.h"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "base/decimal.h"
#include "base/json_writer.h"
#include "engine/engine.h"
#include "journal/chain.h"
#include "policy/profile_loader.h"
#include "store/zone_set.h"

namespace twoline::whatif {
namespace {

using journal::Entry;

// One entry of the period as both sides need it: the stored line, which the recorded side checks,
// and for a command entry the command parsed once (by the recorded thread, for both sides), with
// where the line holds the recorded command and decision.
struct PeriodEntry {
  uint64_t seq = 0;
  std::string line;
  bool profile = false;
  engine::Command command;
  Hash256 prev{};  // the recorded previous entry's hash: the sampling draw of stamped commands uses it
  Hash256 hash{};
  size_t command_begin = 0, command_size = 0, decision_begin = 0, decision_size = 0;
  std::string_view command_json() const { return {line.data() + command_begin, command_size}; }
  std::string_view decision_json() const { return {line.data() + decision_begin, decision_size}; }
};
// A batch of the period's entries. The recorded thread parses its commands first and says so;
// the draft thread waits for that before deciding them, while the recorded thread replays.
struct Batch {
  std::vector<PeriodEntry> entries;

  void MarkParsed(std::string error) {
    std::lock_guard<std::mutex> lock(mutex);
    parse_error = std::move(error);
    parsed = true;
    parsed_cv.notify_one();
  }
  // The parse error ("" when every command parsed), once the recorded thread has parsed the batch.
  std::string WaitParsed() {
    std::unique_lock<std::mutex> lock(mutex);
    parsed_cv.wait(lock, [&] { return parsed; });
    return parse_error;
  }

 private:
  std::mutex mutex;
  std::condition_variable parsed_cv;
  bool parsed = false;
  std::string parse_error;
};

// Batches handed from the draft thread to the recorded one; bounded so that memory stays flat
// whatever the period's length. A null batch ends the stream.
class BatchQueue {
 public:
  void Push(std::shared_ptr<Batch> batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return batches_.size() < kDepthMax; });
    batches_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  std::shared_ptr<Batch> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return !batches_.empty(); });
    std::shared_ptr<Batch> batch = std::move(batches_.front());
    batches_.pop_front();
    not_full_.notify_one();
    return batch;
  }

 private:
  static constexpr size_t kDepthMax = 8;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::shared_ptr<Batch>> batches_;
};

// Parses the commands of a batch's command entries (once, for both sides); "" or the first error.
std::string ParseCommands(Batch* batch) {
  engine::Limits limits;
  limits.command_bytes_max = 1 << 30;  // what was accepted once is decided whatever the limits
  for (PeriodEntry& entry : batch->entries) {
    if (entry.profile) continue;
    engine::ParseFailure failure;
    if (!engine::ParseCommand(entry.command_json(), limits, &entry.command, &failure)) {
      return "seq " + std::to_string(entry.seq) + ": stored command does not parse: " + failure.message;
    }
  }
  return "";
}

constexpr size_t kBatchEntries = 1024;

// Where the period lies in the journal, found by a scan that reads each command's `at` without
// parsing the whole entry.
struct Bounds {
  uint64_t first_seq = 0;  // 0: no command in the period
  uint64_t last_seq = 0;
  Hash256 head_before{};                  // the hash of entry first_seq - 1
  std::string profile_text, tariff_text;  // the profile in force at first_seq
};

// The `at` of a command entry's line. The command is canonical JSON (keys sorted), so its first
// "at" key is its own: the only key that sorts before it, "add", holds an array of ids, which
// cannot contain a quote.
std::optional<int64_t> CommandTime(std::string_view line) {
  size_t command = line.find("\"command\":{");
  if (command == std::string_view::npos) return std::nullopt;
  size_t at = line.find("\"at\":\"", command);
  if (at == std::string_view::npos) return std::nullopt;
  at += 6;
  size_t end = line.find('"', at);
  if (end == std::string_view::npos) return std::nullopt;
  auto instant = ParseRfc3339(line.substr(at, end - at));
  if (!instant) return std::nullopt;
  return instant->unix_seconds;
}

bool IsProfileLine(std::string_view line) {
  size_t kind = line.find("\"kind\":\"");
  return kind != std::string_view::npos && line.substr(kind + 8, 8) == "profile\"";
}

std::string SeqPrefix(uint64_t seq) { return "seq " + std::to_string(seq) + ": "; }

// Finds the command and the decision in a command entry's line (journal::SliceCommandLine checks the
// framing; the recorded side's replay checks the rest).
bool SliceCommandLine(PeriodEntry* entry) {
  journal::CommandLineParts parts;
  if (!journal::SliceCommandLine(entry->line, &parts)) return false;
  entry->prev = parts.prev;
  entry->hash = parts.hash;
  entry->command_begin = static_cast<size_t>(parts.command.data() - entry->line.data());
  entry->command_size = parts.command.size();
  entry->decision_begin = static_cast<size_t>(parts.decision.data() - entry->line.data());
  entry->decision_size = parts.decision.size();
  return true;
}

Result<Bounds> FindPeriod(store::Store& store, const store::ZoneRecord& record,
                          const Request& request) {
  Bounds bounds;
  int32_t offset_minutes = 0;
  std::string profile_text, tariff_text;
  Hash256 previous{};
  bool ended = false;
  const std::string kEnded = "period ended";
  Status status = store.ScanEntries(
      record.zone, 1, record.entries, [&](const store::EntryRecord& stored) -> Status {
        if (IsProfileLine(stored.line)) {
          auto entry = journal::EntryFromJsonLine(stored.line);
          if (!entry) return Error{SeqPrefix(stored.seq) + entry.error().message};
          auto profile = policy::LoadProfileText(entry->profile_text, entry->tariff_text,
                                                 record.zone + ".toml (journal)", nullptr);
          if (!profile) return Error{SeqPrefix(stored.seq) + "profile does not load"};
          offset_minutes = profile->utc_offset_minutes;
          if (bounds.first_seq == 0) {
            profile_text = std::move(entry->profile_text);
            tariff_text = std::move(entry->tariff_text);
          }
        } else {
          std::optional<int64_t> at = CommandTime(stored.line);
          if (!at) return Error{SeqPrefix(stored.seq) + "command without a readable \"at\""};
          Date date = LocalDate(*at, offset_minutes);
          if (bounds.first_seq == 0 && (!request.from || date >= *request.from)) {
            bounds.first_seq = stored.seq;
            bounds.head_before = previous;
            bounds.profile_text = profile_text;
            bounds.tariff_text = tariff_text;
          }
          if (bounds.first_seq != 0) {
            if (request.to && date > *request.to) {
              ended = true;
              return Error{kEnded};
            }
            bounds.last_seq = stored.seq;
          }
        }
        previous = stored.hash;
        return Status::Ok();
      });
  if (!status && !ended) return Error{"zone " + record.zone + ": " + status.message()};
  if (bounds.first_seq == 0) bounds.tariff_text = tariff_text;  // the latest profile's
  return bounds;
}

// The draft, loaded from its text. A draft without its tariff (HTTP) that names a tariff file gets
// the tariff of the profile in force.
Result<std::shared_ptr<const policy::Profile>> LoadDraft(const Request& request,
                                                         const std::string& tariff_in_force) {
  policy::ProfileErrors errors;
  auto draft = policy::LoadProfileText(request.draft_text, request.draft_tariff.value_or(""),
                                       request.draft_name, &errors);
  if (!request.draft_tariff && (!draft || !draft->goods.tariff_file.empty())) {
    auto with_tariff =
        policy::LoadProfileText(request.draft_text, tariff_in_force, request.draft_name, nullptr);
    if (with_tariff || draft) draft = std::move(with_tariff);
  }
  if (!draft) return Error{"the draft profile does not load:\n" + draft.error().message};
  if (draft->id != request.zone) {
    return Error{"the draft profile is for zone \"" + draft->id + "\", not \"" + request.zone +
                 "\""};
  }
  return std::shared_ptr<const policy::Profile>(
      std::make_shared<policy::Profile>(std::move(*draft)));
}

Taxes TaxesOf(const engine::Decision& decision) {
  Taxes taxes;
  if (decision.assessment) {
    taxes.customs_duty_fen = decision.assessment->customs_duty_fen;
    taxes.import_vat_fen = decision.assessment->import_vat_fen;
    taxes.personal_articles_tax_fen = decision.assessment->personal_articles_tax_fen;
  }
  return taxes;
}

void Add(Taxes* sum, const Taxes& taxes) {
  sum->customs_duty_fen += taxes.customs_duty_fen;
  sum->import_vat_fen += taxes.import_vat_fen;
  sum->personal_articles_tax_fen += taxes.personal_articles_tax_fen;
}

Verdict VerdictOf(const engine::Decision& decision) {
  Verdict verdict{engine::OutcomeName(decision.outcome), {}};
  for (const engine::Reason& reason : decision.reasons) verdict.rules.push_back(reason.rule);
  return verdict;
}

// The verdict and taxes of a recorded decision's canonical JSON.
Status ReadRecorded(std::string_view json, Verdict* verdict, Taxes* taxes) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view outcome;
  simdjson::dom::array reasons;
  if (parser.parse(json.data(), json.size()).get(root) || root["outcome"].get(outcome) ||
      root["reasons"].get(reasons)) {
    return Error{"recorded decision is not readable"};
  }
  verdict->outcome = std::string(outcome);
  for (simdjson::dom::element reason : reasons) {
    std::string_view rule;
    if (reason["rule"].get(rule)) return Error{"recorded reason without a rule"};
    verdict->rules.emplace_back(rule);
  }
  simdjson::dom::object assessment;
  if (root["assessment"].get(assessment)) return Status::Ok();
  for (auto [key, field] : std::initializer_list<std::pair<const char*, int64_t*>>{
           {"customs_duty", &taxes->customs_duty_fen},
           {"import_vat", &taxes->import_vat_fen},
           {"personal_articles_tax", &taxes->personal_articles_tax_fen}}) {
    std::string_view text;
    if (assessment[key].get(text)) continue;
    auto fen = ParseMoney(text);
    if (!fen) return Error{"recorded " + std::string(key) + ": " + fen.error().message};
    *field = *fen;
  }
  return Status::Ok();
}

// The draft side: decides each command of the period under the draft and applies its own decision.
class DraftRun {
 public:
  DraftRun(const engine::Engine& start, std::shared_ptr<const policy::Profile> draft,
           Report* report, size_t changes_listed_max)
      : engine_(start), draft_(std::move(draft)), report_(report), listed_max_(changes_listed_max) {
    engine_.PutProfileInForce(draft_);
  }

  Status Step(const PeriodEntry& entry) {
    if (entry.profile) {
      // The draft stays in force; taking the seq keeps both engines numbering entries alike.
      report_->profile_entries_replaced.push_back(entry.seq);
      engine_.PutProfileInForce(draft_);
      return Status::Ok();
    }
    const engine::Command& command = entry.command;
    engine::Decision decision = engine_.Decide(command, entry.prev);
    if (decision.duplicate_of != 0) {
      return Error{SeqPrefix(entry.seq) + "command id \"" + command.id + "\" decided twice"};
    }
    const bool journaled = decision.outcome != engine::Outcome::kInvalid;
    std::string draft_json;
    if (journaled) {
      draft_json = engine::CanonicalDecisionJson(decision);
      engine_.Apply(command, decision);
    } else {
      const engine::Reason& reason = decision.reasons.front();
      draft_json = engine::InvalidDecisionJson(command.id, reason.rule, reason.detail);
    }
    ++report_->commands;
    Taxes draft_taxes = TaxesOf(decision);
    Add(&report_->draft, draft_taxes);
    if (draft_json == entry.decision_json()) {
      Add(&report_->recorded, draft_taxes);
      return Status::Ok();
    }
    Verdict recorded;
    Taxes recorded_taxes;
    if (Status status = ReadRecorded(entry.decision_json(), &recorded, &recorded_taxes); !status) {
      return Error{SeqPrefix(entry.seq) + status.message()};
    }
    Add(&report_->recorded, recorded_taxes);
    ++report_->transitions[{std::move(recorded), VerdictOf(decision)}];
    ++report_->changed;
    if (report_->changes.size() < listed_max_) {
      report_->changes.push_back({entry.seq, std::string(entry.command_json()),
                                  std::string(entry.decision_json()), std::move(draft_json)});
    }
    return Status::Ok();
  }

 private:
  engine::Engine engine_;
  std::shared_ptr<const policy::Profile> draft_;
  Report* report_;
  size_t listed_max_;
};

// Replays entries after the chain's last one up to `through_seq` (the state before the period).
Status ReplayPrefix(store::Store& store, const std::string& zone, uint64_t through_seq,
                    journal::Chain* chain) {
  if (chain->entries() >= through_seq) return Status::Ok();
  return store.ScanEntries(zone, chain->entries() + 1, through_seq,
                           [&](const store::EntryRecord& stored) -> Status {
                             auto entry = journal::EntryForReplay(stored.line);
                             if (!entry)
                               return Error{SeqPrefix(stored.seq) + entry.error().message};
                             return chain->Replay(*entry);
                           });
}

// Both engines through the period, on two threads. This thread reads and slices the entries and
// decides them under the draft; the recorded thread parses each batch's commands (once, for both
// sides), says so, and replays the batch. So while this thread decides batch i, the other replays
// it, and this thread reads batch i + 1 while the other parses it.
Status RunPeriod(store::Store& store, const std::string& zone, const Bounds& bounds,
                 journal::Chain* recorded, DraftRun* draft) {
  BatchQueue queue;
  std::atomic<bool> recorded_failed{false};
  std::string recorded_error;
  std::thread worker([&] {
    auto replay = [&](const PeriodEntry& item) -> Status {
      if (item.profile) {
        auto entry = journal::EntryFromJsonLine(item.line);
        if (!entry) return Error{SeqPrefix(item.seq) + entry.error().message};
        if (entry->seq != item.seq || entry->zone != zone) {
          return Error{SeqPrefix(item.seq) + "the stored row and its entry disagree"};
        }
        return recorded->Replay(*entry);
      }
      // The parts sliced on the calling thread; Replay checks them all (and the zone by the hash).
      journal::Entry entry;
      entry.seq = item.seq;
      entry.prev = item.prev;
      entry.kind = journal::EntryKind::kCommand;
      entry.zone = zone;
      entry.command.assign(item.command_json());
      entry.decision.assign(item.decision_json());
      entry.hash = item.hash;
      return recorded->Replay(entry, item.command);
    };
    while (std::shared_ptr<Batch> batch = queue.Pop()) {
      if (recorded_failed.load()) {  // drain, never leaving the draft thread waiting
        batch->MarkParsed("recorded side failed");
        continue;
      }
      std::string parse_error = ParseCommands(batch.get());
      batch->MarkParsed(parse_error);
      if (!parse_error.empty()) {
        recorded_error = std::move(parse_error);
        recorded_failed.store(true);
        continue;
      }
      for (const PeriodEntry& item : batch->entries) {
        if (Status status = replay(item); !status) {
          recorded_error = status.message();
          recorded_failed.store(true);
          break;
        }
      }
    }
  });
  std::shared_ptr<Batch> pending;  // handed over, not yet decided under the draft
  auto decide_pending = [&]() -> Status {
    if (pending == nullptr) return Status::Ok();
    std::shared_ptr<Batch> batch = std::move(pending);
    if (std::string error = batch->WaitParsed(); !error.empty()) return Error{std::move(error)};
    for (const PeriodEntry& item : batch->entries) {
      if (Status status = draft->Step(item); !status) return status;
    }
    return recorded_failed.load() ? Error{"recorded side failed"} : Status::Ok();
  };
  auto batch = std::make_shared<Batch>();
  batch->entries.reserve(kBatchEntries);
  auto flush = [&]() -> Status {
    std::shared_ptr<Batch> full = std::move(batch);
    batch = std::make_shared<Batch>();
    batch->entries.reserve(kBatchEntries);
    queue.Push(full);
    Status status = decide_pending();
    pending = std::move(full);
    return status;
  };
  Status status = store.ScanEntries(
      zone, bounds.first_seq, bounds.last_seq, [&](const store::EntryRecord& stored) -> Status {
        PeriodEntry& item = batch->entries.emplace_back();
        item.seq = stored.seq;
        item.line = stored.line;
        item.profile = IsProfileLine(item.line);
        if (!item.profile && !SliceCommandLine(&item)) {
          return Error{SeqPrefix(stored.seq) + "not an entry line"};
        }
        return batch->entries.size() == kBatchEntries ? flush() : Status::Ok();
      });
  if (status && !batch->entries.empty()) status = flush();
  if (status) status = decide_pending();
  queue.Push(nullptr);
  worker.join();
  // The recorded side's message comes first: it names what is wrong with the journal itself.
  if (recorded_failed.load()) return Error{recorded_error};
  if (!status) return status;
  if (recorded->entries() != bounds.last_seq) {
    return Error{SeqPrefix(recorded->entries() + 1) + "entry missing"};
  }
  return Status::Ok();
}

}  // namespace

Result<Report> Run(store::Store& store, const Request& request) {
  if (request.from && request.to && *request.from > *request.to) {
    return Error{"the period's first day " + FormatDate(*request.from) + " is after its last day " +
                 FormatDate(*request.to)};
  }
  auto zones = store.Zones();
  if (!zones) return zones.error();
  auto record = std::find_if(zones->begin(), zones->end(), [&](const store::ZoneRecord& zone) {
    return zone.zone == request.zone;
  });
  if (record == zones->end()) return Error{"no journal of zone \"" + request.zone + "\" here"};
  auto bounds = FindPeriod(store, *record, request);
  if (!bounds) return bounds.error();
  auto draft = LoadDraft(request, bounds->tariff_text);
  if (!draft) return draft.error();

  Report report;
  report.zone = request.zone;
  report.draft_sha256 = (*draft)->source_sha256;
  report.from = request.from;
  report.to = request.to;
  if (bounds->first_seq == 0) return report;
  report.first_seq = bounds->first_seq;
  report.last_seq = bounds->last_seq;

  // The state before the period: the newest snapshot that checks out, then the entries after it.
  store::Zone zone;
  store::ZoneRecord before = *record;
  before.entries = bounds->first_seq - 1;
  before.head = bounds->head_before;
  store::RestoreNewestSnapshot(store, before, &zone, nullptr);
  if (Status status = ReplayPrefix(store, request.zone, before.entries, &zone.chain); !status) {
    return Error{"zone " + request.zone + ": " + status.message()};
  }
  if (zone.chain.head() != before.head) {
    return Error{"zone " + request.zone + ": " + SeqPrefix(before.entries) +
                 "the chain head differs from the stored hash"};
  }
  DraftRun draft_run(zone.chain.engine(), *draft, &report, request.changes_listed_max);
  if (Status status = RunPeriod(store, request.zone, *bounds, &zone.chain, &draft_run); !status) {
    return Error{"zone " + request.zone + ": " + status.message()};
  }
  return report;
}

}  // namespace twoline::whatif
