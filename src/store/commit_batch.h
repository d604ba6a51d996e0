// CommitBatch: one group commit — the commands decided since the last durable append, with their
// journal entries, answers and read-model changes — and the rule that nothing is acknowledged before
// it is durable: answers are handed out only after Commit() returned Ok.
//
// Decide() runs each command through its zone's Chain (deciding and applying it in memory), records
// the new entry, and tells the zone's ReadModelTracker what it touched. A repeated command id with
// the same body is answered with the original decision — from this batch or a sealed one still being
// written, else from the store — and journals nothing. Commit() appends every entry and the
// read-model rows of every zone touched in ONE Store::Append (one transaction, one fsync). A
// pipelined caller splits it: Seal() ends the batch and returns what to append (the read-model rows
// are read from the engine here, before the next batch changes it); once that append is durable the
// caller says Committed().
//
// If Commit fails, the in-memory chains hold decisions that are not durable: the caller must stop
// deciding and reload the zones from the store (the Writer does; the CLI exits).
// Thread-safety: none; used by the thread that owns the ZoneSet.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/command.h"
#include "engine/decision.h"
#include "store/store.h"
#include "store/zone_set.h"

namespace twoline::store {

// The answer to one command.
struct Answer {
  std::string json;  // the decision as returned to the client
  engine::Outcome outcome = engine::Outcome::kAccepted;
  bool id_reused = false;  // invalid: the id was decided before with another body (HTTP 409)
  bool duplicate = false;  // a repeat of a decided command: the original decision
  // The journal entry of the decision (for a repeat, the original's): its seq (0 when the decision
  // was not journaled: invalid) and its RFC 9162 leaf hash. A receipt names them (docs/proofs.md).
  uint64_t seq = 0;
  Hash256 leaf_hash{};
  // How long deciding it took on the writer (not journaled: the server charges a token's write
  // limit by it, so that commands that walk many lots cost what they take of the writer).
  uint64_t decide_ns = 0;
};

class CommitBatch {
 public:
  CommitBatch(ZoneSet& zones, Store& store) : zones_(zones), store_(store) {}

  // Decides `command` in `zone`, the zone it was sent to (the engine answers `invalid` when
  // command.zone differs). Errors: the zone is not loaded, or the store cannot be read to answer a
  // duplicate.
  Result<Answer> Decide(const std::string& zone, const engine::Command& command);
  // Puts a profile in force in its zone (created when new): a profile entry.
  void PutProfileInForce(std::shared_ptr<const policy::Profile> profile);

  // Appends everything decided since the last Commit in one transaction. Empty batches succeed
  // without touching the store. The batch is empty afterwards whatever the result.
  Status Commit();
  // Ends the batch: its entries and read-model rows, to be appended after every batch sealed
  // before it. Its decisions still answer repeats until Committed().
  //
  // Read models may be spread over later batches (store/writer.h). With `take_read_models` false
  // the rows the batch touched are left to a later Seal that takes them: it reads every row
  // touched since from the engine (a row touched by several batches is read and written once)
  // and queues them. Each Seal then carries at most `read_model_rows_max` queued rows (or an
  // eighth of the queue, when that is more), oldest first, a change cut into pieces where needed
  // (ReadModelChanges::partial): the zone's read-model seq moves only with a change's last piece.
  // A Seal with no command decided carries only queued rows. The defaults take and write
  // everything at once.
  AppendBatch Seal(bool take_read_models = true, size_t read_model_rows_max = SIZE_MAX);
  // Rows touched and not taken yet; taken rows not yet sealed into a batch; either.
  bool read_models_deferred() const { return !deferred_.empty(); }
  bool read_models_queued() const { return !queued_.empty(); }
  bool read_models_left() const { return read_models_deferred() || read_models_queued(); }
  size_t read_models_queued_rows() const { return queued_rows_; }
  // The oldest sealed batch is durable: its decisions are now read from the store.
  void Committed();

  size_t entries() const { return batch_.entries.size(); }
  size_t commands() const { return commands_; }

 private:
  struct PendingZone {
    uint64_t first_seq = 0;
    std::vector<std::string> wires;  // wires[seq - first_seq]: the entry's decision ("" for profiles)
    std::vector<Hash256> leaves;     // leaves[seq - first_seq]: the entry's leaf hash
  };
  using Pending = std::map<std::string, PendingZone>;
  // Records the entry the zone's chain has just made (its leaf hash is the chain's last).
  void Record(const Zone& zone, journal::Entry entry, std::string wire,
              const std::string& command_id);
  struct Original {
    std::string wire;
    Hash256 leaf_hash{};
  };
  Result<Original> OriginalDecision(const std::string& zone, uint64_t seq);
  // Whether the store keeps `zone`'s read models (Store::WantsReadModels), asked once per batch:
  // when it does not (a journal file in `run`), commands are not observed for them at all, which
  // was a twentieth of deciding a record day. A store that starts keeping them later rebuilds them
  // whole (replace_all), which needs no observed command.
  bool TracksReadModels(const std::string& zone);

  ZoneSet& zones_;
  Store& store_;
  AppendBatch batch_;
  Pending pending_;
  std::deque<Pending> sealed_;  // oldest first, until Committed()
  std::set<std::string> deferred_;  // zones whose touched read-model rows are not taken yet
  std::deque<ReadModelChanges> queued_;  // taken, oldest first, not yet sealed into a batch
  size_t queued_rows_ = 0;
  size_t commands_ = 0;
  std::map<std::string, bool, std::less<>> tracks_read_models_;  // until the next Seal
};

// The "id" member of a command's JSON ("" when it has none).
std::string CommandIdOf(std::string_view command_json);

// The stored decision of an entry line, in wire form (with seq and hash).
Result<std::string> WireDecisionOfLine(std::string_view line);

}  // namespace twoline::store
