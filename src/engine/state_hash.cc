// The state hash: SHA-256 over each part of the state in its snapshot encoding (engine/snapshot.cc,
// SaveStatePart), so that a live engine and a replay of its journal can be compared (SPEC behaviour
// 15), and a snapshot load hashes the bytes it decodes instead of encoding the state a second time.
// The encoding is a function of the state alone: registries in the order they were registered
// (the journal's order), decided ids in seq order, maps in key order; hash-map iteration order
// never reaches it. The decoder is strict (base/binary.h), so the bytes it accepts are the
// encoding of what it restores. Version byte first: changing what is hashed changes the version.
//
// The state is hashed in four parts — the registries (parties, persons, items), the decided ids, the
// ledger, and the goods records (declarations, processes, stocktakes) — each the SHA-256 of its own
// encoding; the state hash is the SHA-256 of the version, the last seq, the profile's digest and the
// four part digests. The parts share nothing, so they are taken on different threads.
#include <thread>

#include "base/check.h"
#include "base/encoding.h"
#include "engine/engine.h"

namespace twoline::engine {
namespace {

// Version 3: list memberships are hashed as the ids (names) of the lists. Version 4: the state is
// hashed in four parts. Version 5: each part is hashed in its snapshot encoding (list memberships
// as the bits State::list_ids gives them, which the same journal always gives alike).
constexpr uint8_t kStateHashVersion = 5;

}  // namespace

Hash256 StatePartHash(const State& state, uint64_t last_seq, StatePart part) {
  // The state hash is taken by `verify`, by replays and by snapshots, which read the whole state
  // anyway: the place for the ledger's full sweeps, too slow for every command (ledger.h,
  // "Invariants").
  if (part == StatePart::kLedger) state.goods.ledger.CheckAllInvariants();
  // Written in pieces of about 64 KiB, each hashed and dropped: no copy of the whole part.
  Sha256Builder hash;
  std::string buffer;
  buffer.reserve((1 << 16) + 4096);
  BinaryWriter writer(&buffer);
  SaveStatePart(writer, state, last_seq, part, [&hash](std::string* out) {
    if (out->size() >= (1 << 16)) {
      hash.Update(*out);
      out->clear();
    }
  });
  hash.Update(buffer);
  return hash.Finish();
}

Hash256 CombineStateHash(uint64_t last_seq, std::string_view profile_sha256,
                         const StatePartHashes& parts) {
  std::string buffer;
  FieldEncoder e(&buffer);
  buffer.push_back(static_cast<char>(kStateHashVersion));
  e.U64(1, last_seq);
  e.Bytes(2, profile_sha256);
  for (size_t i = 0; i < parts.size(); ++i) {
    e.Bytes(static_cast<uint8_t>(3 + i),
            std::string_view(reinterpret_cast<const char*>(parts[i].data()), parts[i].size()));
  }
  return Sha256(buffer);
}

// With two threads the second hashes the decided ids and the goods records while the first hashes
// the registries and the ledger (about even on a simulated zone).
Hash256 Engine::StateHash(int threads, size_t parallel_from) const {
  StatePartHashes parts;
  auto part = [&](StatePart which) {
    parts[static_cast<size_t>(which)] = StatePartHash(state_, last_seq_, which);
  };
  if (threads >= 2 && state_.decided.size() >= parallel_from) {
    std::thread helper([&] {
      part(StatePart::kDecided);
      part(StatePart::kRecords);
    });
    part(StatePart::kRegistries);
    part(StatePart::kLedger);
    helper.join();
  } else {
    for (StatePart which : {StatePart::kRegistries, StatePart::kDecided, StatePart::kLedger,
                            StatePart::kRecords}) {
      part(which);
    }
  }
  return CombineStateHash(last_seq_, profile_ ? profile_->source_sha256 : "", parts);
}

}  // namespace twoline::engine
