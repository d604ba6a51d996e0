#include "journal/chain.h"

#include "base/check.h"
#include "journal/merkle_leaf.h"
#include "policy/profile_loader.h"

namespace twoline::journal {

Entry Chain::NextEntry(EntryKind kind) {
  Entry entry;
  entry.seq = engine_.next_seq();
  entry.prev = head_;
  entry.kind = kind;
  return entry;
}

void Chain::Seal(Entry& entry) {
  EntryHashes hashes = HashEntry(entry);
  entry.hash = hashes.chain;
  last_leaf_ = hashes.leaf;
  frontier_.Append(hashes.leaf);
}

Entry Chain::PutProfileInForce(std::shared_ptr<const policy::Profile> profile) {
  Entry entry = NextEntry(EntryKind::kProfile);
  entry.zone = profile->id;
  entry.profile_text = profile->source_text;
  entry.tariff_text = profile->tariff_text;
  Seal(entry);
  engine_.PutProfileInForce(std::move(profile));
  head_ = entry.hash;
  return entry;
}

Chain::Submitted Chain::Submit(const engine::Command& command) {
  Submitted out;
  out.decision = engine_.Decide(command, head_);
  if (out.decision.outcome == engine::Outcome::kInvalid) {
    const auto& reason = out.decision.reasons.front();
    out.wire = engine::InvalidDecisionJson(command.id, reason.rule, reason.detail);
    return out;
  }
  if (out.decision.duplicate_of != 0) return out;
  Entry entry = NextEntry(EntryKind::kCommand);
  entry.zone = command.zone;
  entry.command = command.canonical;
  entry.decision = engine::CanonicalDecisionJson(out.decision);
  Seal(entry);
  engine_.Apply(command, out.decision);
  CHECK(engine_.last_seq() == entry.seq);
  head_ = entry.hash;
  out.wire = engine::WireDecisionJson(entry.decision, entry.seq, entry.hash);
  out.entry = std::move(entry);
  return out;
}

Status Chain::Restore(BinaryReader& engine_body, const Hash256& head,
                      proof::MerkleFrontier frontier, int threads, Hash256* state_hash,
                      bool check_encoding, std::shared_ptr<const void> owner) {
  CHECK(engine_.last_seq() == 0);
  if (Status status =
          engine_.LoadSnapshot(engine_body, threads, state_hash, check_encoding, std::move(owner));
      !status) {
    engine_ = engine::Engine();
    return status;
  }
  head_ = head;
  frontier_ = std::move(frontier);
  return Status::Ok();
}

Status Chain::Replay(const Entry& entry, engine::Command* parsed) {
  return ReplayEntry(entry, nullptr, parsed);
}

Status Chain::Replay(const Entry& entry, const engine::Command& command) {
  return ReplayEntry(entry, &command, nullptr);
}

Status Chain::Replay(const Entry& entry, const engine::Command& command,
                     const EntryHashes& hashes) {
  return ReplayEntry(entry, &command, nullptr, &hashes);
}

Status Chain::ReplayEntry(const Entry& entry, const engine::Command* given,
                          engine::Command* parsed, const EntryHashes* hashed) {
  // Every message names the seq replayed; made only when there is one to give (not per entry).
  const uint64_t next = engine_.next_seq();
  auto at = [next] { return "seq " + std::to_string(next) + ": "; };
  if (entry.seq != next) {
    return Error{at() + "found entry numbered " + std::to_string(entry.seq) +
                 " (entry removed, reordered or duplicated)"};
  }
  if (entry.prev != head_) return Error{at() + "previous hash does not match the chain"};
  const EntryHashes hashes = hashed != nullptr ? *hashed : HashEntry(entry);
  if (hashes.chain != entry.hash) return Error{at() + "hash does not match the entry's content"};
  // The frontier grows only with an entry that replays; every return below that succeeds does.
  auto appended = [&] {
    head_ = entry.hash;
    last_leaf_ = hashes.leaf;
    frontier_.Append(hashes.leaf);
  };
  if (entry.kind == EntryKind::kProfile) {
    policy::ProfileErrors errors;
    auto profile = policy::LoadProfileText(entry.profile_text, entry.tariff_text,
                                           entry.zone + ".toml (journal)", &errors);
    if (!profile) return Error{at() + "profile does not load: " + profile.error().message};
    if (profile->id != entry.zone) return Error{at() + "profile id differs from the entry's zone"};
    if (engine_.has_profile() && engine_.profile().id != profile->id) {
      return Error{at() + "profile for another zone"};
    }
    engine_.PutProfileInForce(std::make_shared<policy::Profile>(std::move(*profile)));
    appended();
    return Status::Ok();
  }
  if (!engine_.has_profile()) return Error{at() + "command before any profile is in force"};
  engine::Command own;
  if (given == nullptr) {
    engine::ParseFailure failure;
    engine::Limits limits;
    limits.command_bytes_max = 1 << 30;  // what was accepted once is replayed whatever the limits
    if (!engine::ParseCommand(entry.command, limits, &own, &failure)) {
      return Error{at() + "stored command does not parse: " + failure.message};
    }
  }
  const engine::Command& command = given != nullptr ? *given : own;
  if (command.canonical != entry.command) return Error{at() + "stored command is not canonical"};
  engine::Decision decision = engine_.Decide(command, head_);
  if (decision.outcome == engine::Outcome::kInvalid || decision.duplicate_of != 0) {
    return Error{at() + "stored command would not be journaled on replay"};
  }
  if (engine::CanonicalDecisionJson(decision) != entry.decision) {
    return Error{at() + "replay decides differently: stored " + entry.decision + ", replayed " +
                 engine::CanonicalDecisionJson(decision)};
  }
  engine_.Apply(command, decision);
  appended();
  if (parsed != nullptr) *parsed = std::move(own);
  return Status::Ok();
}

}  // namespace twoline::journal
