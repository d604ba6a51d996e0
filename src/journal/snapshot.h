// Snapshot: the state of one zone's chain after entry `seq`, so that startup replays only the
// entries after it (docs/journal.md, "Snapshots").
//
// Container (all integers little-endian):
//
//   offset  size  field
//   0       16    magic "twoline-snapshot"
//   16      4     format version (6)
//   20      8     seq: the state is the state after this entry
//   28      32    head: the hash of entry `seq` (the chain head)
//   60      32    state hash: Engine::StateHash() of the saved state
//   92      8+n   zone id (u64 length, bytes)
//   …       8+f   Merkle frontier of entries 1..seq (u64 length, then proof::MerkleFrontier's
//                 Serialize(): u64 size, then 32 bytes per set bit of size, largest subtree first)
//   …       8+m   engine body (u64 length, bytes; engine/snapshot.cc documents its layout)
//   end-16  16    XXH3-128 of every byte before it (SnapshotChecksum; version 4: SHA-256, 32 bytes)
//
// Version 3 added the frontier; version 5 the faster checksum; version 6 the body of the state hash
// version 5 (the profiles first, then the four parts, each hashed as saved). A snapshot of another
// version is refused (the zone is then loaded from an older snapshot or replayed from the journal,
// which rebuilds the frontier): never read as if it were this version.
//
// A snapshot is checked before it is used: Load checks the magic, version and checksum (a torn or corrupted
// file), that the frontier covers exactly `seq` entries, decodes the body with bounds on every
// count and a strict decoder (each value has one encoding), hashes the bytes it decoded — the state
// hash of the restored engine — and compares it with the recorded one; with `check_encoding` it
// also writes the restored engine again and compares the bytes (`verify --from-snapshot`).
// The caller then checks that the journal's entry `seq` has hash `head` (the snapshot belongs to
// this journal) before replaying the tail. The frontier's hashes are covered by the checksum only
// here; `verify --from-snapshot` compares them with the journal's stored leaf hashes, and a full
// replay (`verify`) recomputes them from the entries. These checks find a torn, corrupted or foreign
// snapshot, not one forged with this journal's head and a recomputed checksum (docs/journal.md):
// the snapshot folder is protected like the store it belongs to.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/sha256.h"
#include "journal/chain.h"

namespace twoline::journal {

struct SnapshotHeader {
  std::string zone;
  uint64_t seq = 0;
  Hash256 head{};
  Hash256 state_hash{};
};

// The container's checksum of `content` (every byte before it), as this build writes it.
inline constexpr size_t kSnapshotChecksumBytes = 16;
std::string SnapshotChecksum(std::string_view content);

// Encodes `chain` and takes its state hash from the bytes written. With `threads` of 2 the parts
// are hashed on two threads; never from a forked child (the snapshotter's), which must not start
// threads. `size_hint`: about how many bytes the snapshot takes (the last one's size), so that its
// buffer is taken once at its size rather than doubled as it fills.
std::string EncodeSnapshot(const Chain& chain, int threads = 1, size_t size_hint = 0);
// Reads and checks the container only (magic, version, checksum): cheap apart from the checksum.
Result<SnapshotHeader> ReadSnapshotHeader(std::string_view bytes);
// Checks the container, restores the chain (which must be empty) and checks its state hash. On
// failure the chain is left empty and the error says what was wrong. `owner`, when given, keeps
// `bytes` valid for as long as the chain holds it (the restored declarations point into them);
// without it what is needed is copied.
Status LoadSnapshot(std::string_view bytes, Chain* chain, SnapshotHeader* header,
                    bool check_encoding = false, std::shared_ptr<const void> owner = nullptr);

}  // namespace twoline::journal
