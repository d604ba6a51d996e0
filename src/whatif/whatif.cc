#include "whatif/whatif.h"

#include <simdjson.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "base/batch_queue.h"
#include "base/decimal.h"
#include "base/json_writer.h"
#include "base/sha256.h"
#include "engine/engine.h"
#include "journal/chain.h"
#include "policy/profile_loader.h"
#include "store/zone_set.h"

namespace twoline::whatif {
namespace {

using journal::Entry;

// One entry of the period, made ready on the reading thread: the stored line, and for a command
// entry the command parsed once, with where the line holds the recorded command and decision.
struct PeriodEntry {
  uint64_t seq = 0;
  std::string line;
  bool profile = false;
  engine::Command command;
  Hash256 prev{};  // the recorded previous entry's hash: the sampling draw of stamped commands uses it
  Hash256 hash{};
  size_t command_begin = 0, command_size = 0, decision_begin = 0, decision_size = 0;
  std::string error;  // the journal is wrong here: the run stops at this entry with this message
  std::string_view command_json() const { return {line.data() + command_begin, command_size}; }
  std::string_view decision_json() const { return {line.data() + decision_begin, decision_size}; }
};
using Batch = std::vector<PeriodEntry>;

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
// framing; ChainCheck checks the rest).
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
  // Without --to the period runs to the journal's end: when that is a command entry, the scan stops
  // at the period's first command instead of reading the whole journal.
  bool to_the_end = false;
  if (!request.to) {
    auto last = store.ReadEntries(record.zone, record.entries, 1);
    if (!last) return Error{"zone " + record.zone + ": " + last.error().message};
    to_the_end = !last->empty() && last->front().seq == record.entries &&
                 !IsProfileLine(last->front().line);
  }
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
            if (to_the_end) {
              bounds.last_seq = record.entries;
              ended = true;
              return Error{kEnded};
            }
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

// Checks that the period's entries continue the recorded hash chain from the state before it:
// seq in order, previous hash, and each entry's own hash over its content. The recorded decisions
// are taken as the chain holds them (`verify` is what decides them again).
class ChainCheck {
 public:
  ChainCheck(std::string zone, uint64_t last_seq, const Hash256& head)
      : zone_(std::move(zone)), next_seq_(last_seq + 1), head_(head) {}

  // "" when the entry continues the chain, else why not.
  std::string Check(const PeriodEntry& item) {
    Entry entry;
    if (item.profile) {
      auto parsed = journal::EntryFromJsonLine(item.line);
      if (!parsed) return parsed.error().message;
      entry = std::move(*parsed);
      if (entry.seq != item.seq || entry.zone != zone_) return "the stored row and its entry disagree";
    } else {
      entry.seq = item.seq;
      entry.prev = item.prev;
      entry.kind = journal::EntryKind::kCommand;
      entry.zone = zone_;  // an entry of another zone hashes otherwise
      entry.command.assign(item.command_json());
      entry.decision.assign(item.decision_json());
      entry.hash = item.hash;
    }
    if (entry.seq != next_seq_) {
      return "found entry numbered " + std::to_string(entry.seq) + " (entry removed, reordered or duplicated)";
    }
    if (entry.prev != head_) return "previous hash does not match the chain";
    if (Sha256(journal::EncodeEntry(entry)) != entry.hash) return "hash does not match the entry's content";
    ++next_seq_;
    head_ = entry.hash;
    return "";
  }
  uint64_t last_seq() const { return next_seq_ - 1; }

 private:
  std::string zone_;
  uint64_t next_seq_;
  Hash256 head_;
};

// The period on two threads: a reading thread reads each entry, checks it continues the chain and
// parses its command; this thread decides the commands under the draft, in order. The first bad
// entry stops both, and is named after the entries before it were decided.
Status RunPeriod(store::Store& store, const std::string& zone, const Bounds& bounds,
                 const journal::Chain& before, DraftRun* draft) {
  BatchQueue<PeriodEntry> queue;
  Status read_status = Status::Ok();
  ChainCheck chain(zone, before.entries(), before.head());
  std::thread reader([&] {
    engine::Limits limits;
    limits.command_bytes_max = 1 << 30;  // what was accepted once is decided whatever the limits
    auto batch = std::make_unique<Batch>();
    batch->reserve(kBatchEntries);
    read_status = store.ScanEntries(
        zone, bounds.first_seq, bounds.last_seq, [&](const store::EntryRecord& stored) -> Status {
          if (queue.closed()) return Error{"stopped"};
          PeriodEntry& item = batch->emplace_back();
          item.seq = stored.seq;
          item.line = stored.line;
          item.profile = IsProfileLine(item.line);
          engine::ParseFailure failure;
          if (!item.profile && !SliceCommandLine(&item)) {
            item.error = "not an entry line";
          } else if (std::string broken = chain.Check(item); !broken.empty()) {
            item.error = std::move(broken);
          } else if (!item.profile &&
                     !engine::ParseCommand(item.command_json(), limits, &item.command, &failure)) {
            item.error = "stored command does not parse: " + failure.message;
          }
          if (!item.error.empty()) {
            item.error = SeqPrefix(item.seq) + item.error;
            return Error{"stopped"};  // the batch so far goes to the deciding thread below
          }
          if (batch->size() == kBatchEntries) {
            queue.Push(std::move(batch));
            batch = std::make_unique<Batch>();
            batch->reserve(kBatchEntries);
          }
          return Status::Ok();
        });
    if (!batch->empty()) queue.Push(std::move(batch));
    queue.Push(nullptr);
  });
  Status status = Status::Ok();
  bool stopped_at_entry = false;
  while (std::unique_ptr<Batch> batch = queue.Pop()) {
    for (const PeriodEntry& item : *batch) {
      if (!item.error.empty()) {
        status = Error{item.error};
        stopped_at_entry = true;
      } else {
        status = draft->Step(item);
      }
      if (!status) break;
    }
    if (!status) break;
  }
  queue.Close();
  reader.join();
  if (!status) return status;
  if (!read_status && !stopped_at_entry) return read_status;
  if (chain.last_seq() != bounds.last_seq) {
    return Error{SeqPrefix(chain.last_seq() + 1) + "entry missing"};
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
  if (Status status = RunPeriod(store, request.zone, *bounds, zone.chain, &draft_run); !status) {
    return Error{"zone " + request.zone + ": " + status.message()};
  }
  return report;
}

}  // namespace twoline::whatif
