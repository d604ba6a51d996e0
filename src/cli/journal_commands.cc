#include "cli/journal_commands.h"

#include <algorithm>
#include <iostream>
#include <unordered_map>

#include "base/json_writer.h"
#include "cli/run_input.h"
#include "engine/goods_queries.h"
#include "engine/queries.h"
#include "journal/journal_file.h"
#include "policy/profile_loader.h"

namespace twoline::cli {
namespace {

// One batch of decided commands awaiting a durable append.
struct Batch {
  std::string journal_lines;
  std::vector<uint32_t> line_sizes;
  std::vector<std::string> outputs;
  std::unordered_map<uint64_t, std::string> pending_decisions;  // seq -> canonical decision
  uint64_t first_seq = 0;

  void Add(const journal::Entry& entry) {
    std::string line = journal::EntryToJsonLine(entry);
    line_sizes.push_back(static_cast<uint32_t>(line.size()));
    journal_lines += line;
    if (entry.kind == journal::EntryKind::kCommand) pending_decisions[entry.seq] = entry.decision;
  }
  void Clear(uint64_t next_seq) {
    journal_lines.clear();
    line_sizes.clear();
    outputs.clear();
    pending_decisions.clear();
    first_seq = next_seq;
  }
};

// The answer to a duplicate: the original decision with its seq and hash.
Result<std::string> DuplicateAnswer(const journal::JournalFile& file, const Batch& batch,
                                    uint64_t seq) {
  auto pending = batch.pending_decisions.find(seq);
  if (pending != batch.pending_decisions.end()) {
    // Its hash is known only once encoded; entries of this batch are in journal_lines.
    size_t offset = 0;
    for (size_t i = 0; i < seq - batch.first_seq; ++i) offset += batch.line_sizes[i];
    auto entry = journal::EntryFromJsonLine(
        std::string_view(batch.journal_lines).substr(offset, batch.line_sizes[seq - batch.first_seq] - 1));
    if (!entry) return entry.error();
    return engine::WireDecisionJson(entry->decision, entry->seq, entry->hash);
  }
  auto entry = file.ReadEntry(seq);
  if (!entry) return entry.error();
  return engine::WireDecisionJson(entry->decision, entry->seq, entry->hash);
}

Status Flush(journal::JournalFile& file, Batch& batch, std::ostream& out) {
  if (!batch.journal_lines.empty()) {
    if (Status s = file.Append(batch.journal_lines, batch.line_sizes); !s) return s;
    if (Status s = file.Sync(); !s) return s;
  }
  // Decisions are written only after their entries are durable.
  std::string text;
  for (const std::string& output : batch.outputs) {
    text += output;
    text += '\n';
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  return Status::Ok();
}

}  // namespace

int RunJournal(const RunOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  journal::Chain chain;
  auto file = journal::JournalFile::Open(options.journal_path, &chain, false);
  if (!file) {
    err << "twoline run: " << file.error().message << "\n";
    return 1;
  }
  Batch batch;
  batch.Clear(chain.entries() + 1);
  // The profile in force: the journal's, unless a new one is given or the journal is new.
  if (!chain.engine().has_profile() || !options.profile_path.empty()) {
    auto profile = LoadZoneProfile(options.zone, options.profile_path);
    if (!profile) {
      err << "twoline run: " << profile.error().message << "\n";
      return 1;
    }
    if (chain.engine().has_profile() && chain.engine().profile().id != options.zone) {
      err << "twoline run: journal is for zone " << chain.engine().profile().id << "\n";
      return 1;
    }
    bool changed = !chain.engine().has_profile() || ProfileChanged(chain.engine().profile(), **profile);
    if (changed) batch.Add(chain.PutProfileInForce(*profile));
  } else if (chain.engine().profile().id != options.zone) {
    err << "twoline run: journal " << options.journal_path << " is for zone "
        << chain.engine().profile().id << ", not " << options.zone << "\n";
    return 1;
  }
  engine::Limits limits;
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    engine::Command command;
    engine::ParseFailure failure;
    if (!engine::ParseCommand(line, limits, &command, &failure)) {
      batch.outputs.push_back(MalformedLineDecision(failure, line_number));
    } else {
      journal::Chain::Submitted submitted = chain.Submit(command);
      if (submitted.entry) batch.Add(*submitted.entry);
      if (submitted.decision.duplicate_of != 0) {
        auto answer = DuplicateAnswer(**file, batch, submitted.decision.duplicate_of);
        if (!answer) {
          err << "twoline run: " << answer.error().message << "\n";
          return 1;
        }
        batch.outputs.push_back(std::move(*answer));
      } else {
        batch.outputs.push_back(std::move(submitted.wire));
      }
    }
    if (batch.outputs.size() >= options.batch_lines_max) {
      if (Status s = Flush(**file, batch, out); !s) {
        err << "twoline run: " << s.message() << "\n";
        return 1;
      }
      batch.Clear(chain.entries() + 1);
    }
  }
  if (Status s = Flush(**file, batch, out); !s) {
    err << "twoline run: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

int VerifyJournal(const std::string& journal_path, std::ostream& out, std::ostream& err) {
  journal::Chain chain;
  if (Status s = journal::ReplayJournalFile(journal_path, &chain); !s) {
    err << "twoline verify: " << s.message() << "\n";
    out << "bad " << s.message() << "\n";
    return 1;
  }
  out << "ok " << chain.entries() << " " << ToHex(chain.head()) << " state "
      << ToHex(chain.engine().StateHash()) << "\n";
  return 0;
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
    answer = options.table ? engine::TraceTable(engine, options.declaration)
                           : engine::TraceJson(engine, options.declaration);
    if (answer.empty()) {
      err << "twoline query trace: unknown declaration \"" << options.declaration << "\"\n";
    }
  } else if (options.what == "report") {
    auto from = ParseDate(options.from.empty() ? "1900-01-01" : options.from);
    auto to = ParseDate(options.to.empty() ? "2999-12-31" : options.to);
    if (!from || !to) {
      err << "twoline query report: " << (!from ? from.error().message : to.error().message) << "\n";
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

int QueryJournal(const std::string& journal_path, const QueryOptions& options, std::ostream& out,
                 std::ostream& err) {
  journal::Chain chain;
  if (Status s = journal::ReplayJournalFile(journal_path, &chain); !s) {
    err << "twoline query: " << s.message() << "\n";
    return 1;
  }
  if (!chain.engine().has_profile()) {
    err << "twoline query: journal is empty\n";
    return 1;
  }
  return AnswerQuery(chain.engine(), options, out, err);
}

}  // namespace twoline::cli
