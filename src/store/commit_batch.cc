#include "store/commit_batch.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>

#include "base/check.h"

namespace twoline::store {

std::string CommandIdOf(std::string_view command_json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element command;
  std::string_view id;
  if (parser.parse(command_json.data(), command_json.size()).get(command) || command["id"].get(id)) {
    return {};
  }
  return std::string(id);
}

Result<std::string> WireDecisionOfLine(std::string_view line) {
  auto entry = journal::EntryFromJsonLine(line);
  if (!entry) return entry.error();
  if (entry->kind != journal::EntryKind::kCommand) {
    return Error{"entry " + std::to_string(entry->seq) + " is not a command"};
  }
  return engine::WireDecisionJson(entry->decision, entry->seq, entry->hash);
}

void CommitBatch::Record(const Zone& zone, journal::Entry entry, std::string wire,
                         const std::string& command_id) {
  CHECK(zone.chain.entries() == entry.seq);
  PendingZone& pending = pending_[entry.zone];
  if (pending.wires.empty()) pending.first_seq = entry.seq;
  CHECK(entry.seq == pending.first_seq + pending.wires.size());
  pending.wires.push_back(std::move(wire));
  pending.leaves.push_back(zone.chain.last_leaf_hash());
  EntryRecord record;
  record.zone = entry.zone;
  record.seq = entry.seq;
  record.hash = entry.hash;
  record.command_id = command_id;
  record.leaf_hash = zone.chain.last_leaf_hash();
  record.unrendered = std::move(entry);  // its line is rendered by the appending thread
  batch_.entries.push_back(std::move(record));
}

void CommitBatch::PutProfileInForce(std::shared_ptr<const policy::Profile> profile) {
  const std::string zone = profile->id;
  Zone* target = zones_.Find(zone);
  if (target == nullptr) {
    target = &zones_.Create(zone);
    target->tracker.StartTotals();  // a new zone has no day totals yet
  }
  journal::Entry entry = target->chain.PutProfileInForce(std::move(profile));
  Record(*target, std::move(entry), "", "");
}

Result<CommitBatch::Original> CommitBatch::OriginalDecision(const std::string& zone,
                                                            uint64_t seq) {
  auto find = [&](const Pending& batch) -> std::optional<Original> {
    auto pending = batch.find(zone);
    if (pending == batch.end() || seq < pending->second.first_seq ||
        seq - pending->second.first_seq >= pending->second.wires.size()) {
      return std::nullopt;
    }
    const size_t at = seq - pending->second.first_seq;
    return Original{pending->second.wires[at], pending->second.leaves[at]};
  };
  if (std::optional<Original> original = find(pending_)) return *original;
  for (const Pending& sealed : sealed_) {
    if (std::optional<Original> original = find(sealed)) return *original;
  }
  auto stored = store_.ReadEntries(zone, seq, 1);
  if (!stored) return stored.error();
  if (stored->empty() || stored->front().seq != seq) {
    return Error{"zone " + zone + ": entry " + std::to_string(seq) + " not found in the store"};
  }
  auto wire = WireDecisionOfLine(stored->front().line);
  if (!wire) return wire.error();
  return Original{std::move(*wire), stored->front().leaf_hash};
}

Result<Answer> CommitBatch::Decide(const std::string& zone_id, const engine::Command& command) {
  Zone* zone = zones_.Find(zone_id);
  if (zone == nullptr || !zone->chain.engine().has_profile()) {
    return Error{"zone " + zone_id + " is not served by this database"};
  }
  ++commands_;
  const auto started = std::chrono::steady_clock::now();
  journal::Chain::Submitted submitted = zone->chain.Submit(command);
  Answer answer;
  answer.decide_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::steady_clock::now() - started)
                                               .count());
  answer.outcome = submitted.decision.outcome;
  if (submitted.decision.duplicate_of != 0) {
    auto original = OriginalDecision(zone_id, submitted.decision.duplicate_of);
    if (!original) return original.error();
    answer.json = std::move(original->wire);
    answer.duplicate = true;
    answer.seq = submitted.decision.duplicate_of;
    answer.leaf_hash = original->leaf_hash;
    return answer;
  }
  if (submitted.entry) {
    if (TracksReadModels(zone_id)) {
      zone->tracker.Observe(command, submitted.entry->seq, submitted.entry->decision);
    }
    answer.seq = submitted.entry->seq;
    Record(*zone, std::move(*submitted.entry), submitted.wire, command.id);
    answer.leaf_hash = zone->chain.last_leaf_hash();
  } else {
    const auto& reasons = submitted.decision.reasons;
    answer.id_reused = !reasons.empty() && reasons.front().rule == "command.id-reused";
  }
  answer.json = std::move(submitted.wire);
  return answer;
}

namespace {

size_t RowsOf(const ReadModelChanges& changes) {
  return changes.outside.size() + changes.inside.size() + changes.views.size();
}

// Moves the first `rows` rows of `from` (deletions of presence first, as they are applied) into a
// piece of its own.
ReadModelChanges CutPiece(ReadModelChanges* from, size_t rows) {
  ReadModelChanges piece;
  piece.zone = from->zone;
  piece.through_seq = from->through_seq;
  piece.partial = true;
  auto move = [&rows](auto& source, auto& target) {
    const size_t n = std::min(rows, source.size());
    target.assign(std::make_move_iterator(source.begin()), std::make_move_iterator(source.begin() + n));
    source.erase(source.begin(), source.begin() + n);
    rows -= n;
  };
  move(from->outside, piece.outside);
  move(from->inside, piece.inside);
  move(from->views, piece.views);
  return piece;
}

}  // namespace

bool CommitBatch::TracksReadModels(const std::string& zone) {
  auto it = tracks_read_models_.find(zone);
  if (it == tracks_read_models_.end()) {
    it = tracks_read_models_.emplace(zone, store_.WantsReadModels(zone)).first;
  }
  return it->second;
}

AppendBatch CommitBatch::Seal(bool take_read_models, size_t read_model_rows_max) {
  tracks_read_models_.clear();
  for (const auto& [zone_id, pending] : pending_) deferred_.insert(zone_id);
  if (take_read_models) {
    for (const std::string& zone_id : deferred_) {
      Zone* zone = zones_.Find(zone_id);
      CHECK(zone != nullptr);
      if (!store_.WantsReadModels(zone_id)) {
        zone->tracker.ClearTouched();
        continue;
      }
      queued_.push_back(
          zone->tracker.Take(zone->chain.engine(), zone->chain.entries(), /*replace_all=*/false));
      queued_rows_ += RowsOf(queued_.back());
    }
    deferred_.clear();
  }
  // An eighth of the queue when that is more: whatever the load, the queue holds at most about
  // eight batches' worth of rows.
  size_t budget = std::max(read_model_rows_max, queued_rows_ / 8);
  while (!queued_.empty()) {
    ReadModelChanges& front = queued_.front();
    const size_t rows = RowsOf(front);
    if (rows > budget) {
      if (budget > 0) batch_.read_models.push_back(CutPiece(&front, budget));
      queued_rows_ -= budget;
      break;
    }
    budget -= rows;
    queued_rows_ -= rows;
    batch_.read_models.push_back(std::move(front));
    queued_.pop_front();
  }
  AppendBatch sealed = std::move(batch_);
  batch_ = AppendBatch{};
  sealed_.push_back(std::move(pending_));
  pending_.clear();
  commands_ = 0;
  return sealed;
}

void CommitBatch::Committed() {
  CHECK(!sealed_.empty());
  sealed_.pop_front();
}

Status CommitBatch::Commit() {
  AppendBatch sealed = Seal();
  Status status = sealed.empty() ? Status::Ok() : store_.Append(std::move(sealed));
  Committed();
  return status;
}

}  // namespace twoline::store
