// Chain: an Engine together with the head of its hash chain and the Merkle frontier of its entries.
// It turns decisions into journal entries (and back): Submit decides a command and, when the
// decision is journaled, returns the new entry with its hash; Replay checks a stored entry (seq,
// previous hash, own hash, and that the engine decides its command the same way again) and applies
// it.
//
// Every entry appended or replayed is also appended to the frontier (proof/merkle.h): the RFC 9162
// right-edge subtree roots, at most 64 hashes, so that the tree root of the entries so far is known
// in O(log n) without reading any entry again. Its leaf hash comes from the same encoding as the
// chain hash (journal/merkle_leaf.h), so the tree costs one more SHA-256 of the entry and, amortised,
// one node hash per entry. Snapshots carry the frontier (journal/snapshot.h).
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
#include "journal/merkle_leaf.h"
#include "proof/merkle.h"

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
  // Replays a command entry whose command the caller has already parsed from entry.command (with
  // the replay limits: command_bytes_max 1 << 30), so that the parse is not repeated; every check
  // is the same (the parsed command must be the entry's canonical command).
  Status Replay(const Entry& entry, const engine::Command& command);
  // The same, with the entry's hashes computed by the caller as HashEntry(entry) (so that another
  // thread can hash while this one decides); the entry's own hash is still checked against them.
  Status Replay(const Entry& entry, const engine::Command& command, const EntryHashes& hashes);
  // Restores a chain from a snapshot's engine body, the hash of its last entry and the Merkle
  // frontier of its entries (journal/snapshot.h checks the container and that the frontier covers
  // every entry). The chain must be empty. With `state_hash`, also takes the restored state's hash;
  // with `check_encoding`, also checks that the restored engine saves to the same bytes
  // (Engine::LoadSnapshot, on `threads` threads).
  // `owner`, when given, keeps the body's bytes valid (engine::Engine::LoadSnapshot).
  Status Restore(BinaryReader& engine_body, const Hash256& head, proof::MerkleFrontier frontier,
                 int threads = 1, Hash256* state_hash = nullptr, bool check_encoding = false,
                 std::shared_ptr<const void> owner = nullptr);
  // Puts a profile in force: a new profile entry.
  Entry PutProfileInForce(std::shared_ptr<const policy::Profile> profile);
  // Decides a parsed command. Invalid decisions and duplicates produce no entry; for a duplicate,
  // decision.duplicate_of names the seq whose stored decision is the answer.
  Submitted Submit(const engine::Command& command);

  const engine::Engine& engine() const { return engine_; }
  // A forked process reads a copy-on-write image of this chain, or no longer does
  // (engine::Engine::SetImageShared).
  void SetImageShared(bool shared) { engine_.SetImageShared(shared); }
  const Hash256& head() const { return head_; }
  uint64_t entries() const { return engine_.last_seq(); }
  // The frontier of entries 1..entries(): frontier().Root() is their RFC 9162 tree root.
  const proof::MerkleFrontier& frontier() const { return frontier_; }
  // The leaf hash of the last entry put in force, submitted or replayed by this object (zeros
  // before the first, and after Restore until the next).
  const Hash256& last_leaf_hash() const { return last_leaf_; }

 private:
  Entry NextEntry(EntryKind kind);
  // Sets the entry's hash and appends its leaf to the frontier.
  void Seal(Entry& entry);
  Status ReplayEntry(const Entry& entry, const engine::Command* given, engine::Command* parsed,
                     const EntryHashes* hashed = nullptr);
  engine::Engine engine_;
  Hash256 head_{};
  proof::MerkleFrontier frontier_;
  Hash256 last_leaf_{};
};

}  // namespace twoline::journal
