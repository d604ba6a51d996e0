// Chain: an Engine together with the head of its hash chain. It turns decisions into journal
// entries (and back): Submit decides a command and, when the decision is journaled, returns the new
// entry with its hash; Replay checks a stored entry (seq, previous hash, own hash, and that the
// engine decides its command the same way again) and applies it.
//
// Replaying every entry of a journal through Replay is `verify`: any altered, removed, reordered or
// duplicated entry fails at the first bad seq.
// Thread-safety: none; owned by the single writer thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "engine/engine.h"
#include "journal/entry.h"

namespace twoline::journal {

class Chain {
 public:
  struct Submitted {
    engine::Decision decision;
    std::optional<Entry> entry;  // set when the decision was journaled
    std::string wire;            // the decision as returned to the client (empty for duplicates)
  };

  // Replays one stored entry. The error message starts with "seq N: ". For a command entry,
  // `parsed` (optional) receives the command as parsed from the entry, so that callers need not
  // parse it again.
  Status Replay(const Entry& entry, engine::Command* parsed = nullptr);
  // Restores a chain from a snapshot's engine body and the hash of its last entry
  // (journal/snapshot.h checks the container). The chain must be empty.
  Status Restore(BinaryReader& engine_body, const Hash256& head);
  // Puts a profile in force: a new profile entry.
  Entry PutProfileInForce(std::shared_ptr<const policy::Profile> profile);
  // Decides a parsed command. Invalid decisions and duplicates produce no entry; for a duplicate,
  // decision.duplicate_of names the seq whose stored decision is the answer.
  Submitted Submit(const engine::Command& command);

  const engine::Engine& engine() const { return engine_; }
  const Hash256& head() const { return head_; }
  uint64_t entries() const { return engine_.last_seq(); }

 private:
  Entry NextEntry(EntryKind kind);
  engine::Engine engine_;
  Hash256 head_{};
};

}  // namespace twoline::journal
