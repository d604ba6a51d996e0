// Engine: the deterministic state machine of one zone. Decide(command) -> Decision is pure;
// Apply(command, decision) changes the state. No clock, no randomness, no I/O: time comes from the
// command's `at`, sampling from a hash of the previous entry's hash, the server's nonce in the
// command's stamp, the zone and the command id.
//
// Every journal entry — a profile put in force or a decided command — takes the next seq. The
// journal layer hashes and stores entries; the engine only counts them.
// Thread-safety: none. One writer thread owns an Engine; readers use read models or snapshots.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "base/binary.h"
#include "base/result.h"
#include "base/sha256.h"
#include "engine/command.h"
#include "engine/decision.h"
#include "engine/state.h"
#include "policy/profile.h"

namespace twoline::engine {

// The parts of the state, in the order they are hashed and saved (engine/snapshot.cc).
enum class StatePart { kRegistries = 0, kDecided = 1, kLedger = 2, kRecords = 3 };
using StatePartHashes = std::array<Hash256, 4>;
// Writes one part of the state in its snapshot encoding, offering what has been written to `spill`
// after each record (it may consume and clear it). The encoding is a function of the state alone:
// registries in the order they were registered (the journal's order), decided ids in seq order,
// maps in key order.
void SaveStatePart(BinaryWriter& out, const State& state, uint64_t last_seq, StatePart part,
                   const Spill& spill = nullptr);
// SHA-256 of one part's encoding (SaveStatePart). The parts read disjoint members of `state`, so
// different parts may be hashed on different threads at once.
Hash256 StatePartHash(const State& state, uint64_t last_seq, StatePart part);
// The state hash: the version, `last_seq`, the digest of the profile in force and the parts.
Hash256 CombineStateHash(uint64_t last_seq, std::string_view profile_sha256,
                         const StatePartHashes& parts);

class Engine {
 public:
  Engine() = default;

  // Puts a profile in force (the first entry of every journal, and any later policy change).
  // Takes the next seq.
  void PutProfileInForce(std::shared_ptr<const policy::Profile> profile);
  bool has_profile() const { return profile_ != nullptr; }
  const policy::Profile& profile() const { return *profile_; }
  std::shared_ptr<const policy::Profile> profile_ptr() const { return profile_; }

  // Decides a parsed command. Invalid decisions (unknown things, wrong zone, id reused with another
  // body) and duplicates (duplicate_of != 0) must not be applied or journaled. `previous` is the
  // hash of the journal entry the command's entry will follow (the chain's head): the inspection
  // draw depends on it (SPEC §4.11), so a declarant cannot know its draw before the append.
  Decision Decide(const Command& command, const Hash256& previous = {}) const;
  // Whether the command's id (in its principal's scope) was already decided in this zone: a repeat
  // is answered with the original decision (or refused as a reused id), never decided again.
  bool Decided(const Command& command) const;
  // Applies a journaled decision: takes the next seq and records the id. CHECKs the decision is
  // neither invalid nor a duplicate.
  void Apply(const Command& command, const Decision& decision);
  // Decide, then Apply when the decision is to be journaled. Returns the decision.
  Decision Execute(const Command& command);

  // The seq the next journal entry will get, and the number of entries so far.
  uint64_t next_seq() const { return last_seq_ + 1; }
  uint64_t last_seq() const { return last_seq_; }

  const State& state() const { return state_; }

  // Whether a forked process is reading a copy-on-write image of this engine (a snapshot's encoder,
  // store/snapshotter.h). Meanwhile every page the engine writes for the first time is copied;
  // the decided-ids index, the one large structure written at random, then keeps its inserts in a
  // side table, merged a few slots per command once the image is released (flat_index.h). The
  // state, its hash and its snapshot are the same either way.
  void SetImageShared(bool shared) { state_.decided.SetLocalInserts(shared); }
  bool image_shared() const { return state_.decided.local_inserts(); }
  // False while a released image's side table is still being merged: a new image taken then would
  // share the side table too, so the merge is finished first (SetImageShared).
  bool image_settled() const { return state_.decided.side_table_size() == 0; }
  // The state hash: SHA-256 over each part of the state in its snapshot encoding (StatePartHash),
  // combined (CombineStateHash). The encoding follows the journal's order, so a live engine, a
  // replay of its journal and a snapshot of either hash alike. With `threads` of 2 a state of
  // `parallel_from` decided ids or more is hashed on two threads (the same hash); never from a
  // forked child (snapshots), which must not start threads.
  static constexpr size_t kStateHashParallelFrom = 50000;
  Hash256 StateHash(int threads = 1, size_t parallel_from = kStateHashParallelFrom) const;
  // The idempotency body digest: first 8 bytes of SHA-256 of the command's canonical JSON.
  static uint64_t BodyDigest(const Command& command);
  static void IdDigest(const Command& command, uint8_t out[16]);

  // Snapshots (engine/snapshot.cc): the whole engine, profiles included. With `state_hash`, also
  // takes the state hash from the bytes written (on two threads with `threads` of 2).
  void SaveSnapshot(BinaryWriter& out, Hash256* state_hash = nullptr, int threads = 1) const;
  // Restores a saved engine into this (empty) one; an error names what is malformed. With
  // `state_hash`, also takes the restored state's hash (that of the saved parts' bytes); with
  // `check_encoding`, also writes each restored part again and compares it with the saved bytes
  // (`verify --from-snapshot`); with `threads` of 2 or more each part is decoded on a thread of
  // its own. The restored declarations keep views of the saved bytes (DeclarationTable): when
  // `owner` is given it keeps `in`'s bytes valid and is held as long as they are needed; else the
  // declarations' section is copied.
  Status LoadSnapshot(BinaryReader& in, int threads = 1, Hash256* state_hash = nullptr,
                      bool check_encoding = false, std::shared_ptr<const void> owner = nullptr);

 private:
  Decision DecideNew(const Command& command, const uint8_t id_digest[16],
                     const Hash256& previous) const;
  Decision DecideRegistration(const Command& command) const;
  Decision DecideList(const Command& command) const;
  Decision DecideCross(const Command& command) const;
  Decision DecideGoods(const Command& command, const Hash256& previous) const;
  void ApplyRegistration(const Command& command);
  void ApplyList(const Command& command);
  void ApplyCross(const Command& command, const Decision& decision);
  void ApplyGoods(const Command& command, const Decision& decision);
  void KeyListsByIdFor(const policy::Profile& profile);

  std::shared_ptr<const policy::Profile> profile_;
  // Every profile ever put in force, kept alive so that pointers into them (interned gate ids in
  // the state) stay valid for the engine's lifetime.
  std::vector<std::shared_ptr<const policy::Profile>> profiles_in_force_;
  State state_;
  uint64_t last_seq_ = 0;
};

// The local date of a command in its zone.
Date LocalDateOf(const policy::Profile& profile, const Command& command);

// Invalid-decision helper: rule "command.invalid" with the given detail.
Decision InvalidDecision(const std::string& id, std::string detail);

}  // namespace twoline::engine
