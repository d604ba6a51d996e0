// Proof files: the JSON an auditor receives and checks offline against a signed checkpoint
// (docs/proofs.md has the exact format and a standalone checker).
//
// Inclusion proof (one line of JSON, keys in this order):
//   {"type":"inclusion","zone":Z,"seq":N,"leaf_index":N-1,"tree_size":M,
//    "leaf_hash":HEX,"entry":"<the entry's journal line, without its newline>","path":[HEX,...]}
// Consistency proof:
//   {"type":"consistency","zone":Z,"from":M1,"to":M2,"path":[HEX,...]}
// HEX is 64 lowercase hex digits (a SHA-256 hash); paths are in RFC 9162 order (from the leaf up).
// Parsing is strict: exactly these keys, these types, hashes in that form.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"
#include "proof/checkpoint.h"

namespace twoline::proof {

// Limits on what ParseProofFile reads: a path never exceeds 2 * 64 hashes for 64-bit sizes, and an
// entry line (a profile with its tariff) stays well below the file limit.
inline constexpr size_t kProofFileBytesMax = 64 << 20;
inline constexpr size_t kProofPathMax = 130;

struct InclusionProofFile {
  std::string zone;
  uint64_t seq = 0;
  uint64_t leaf_index = 0;  // always seq - 1
  uint64_t tree_size = 0;
  Hash256 leaf_hash{};
  std::string entry;  // the journal line (journal/entry.h), without '\n'
  std::vector<Hash256> path;
};

struct ConsistencyProofFile {
  std::string zone;
  uint64_t from = 0;
  uint64_t to = 0;
  std::vector<Hash256> path;
};

using ProofFile = std::variant<InclusionProofFile, ConsistencyProofFile>;

// One line each, ending in '\n'.
std::string FormatProofFile(const InclusionProofFile& proof);
std::string FormatProofFile(const ConsistencyProofFile& proof);
Result<ProofFile> ParseProofFile(std::string_view json);

// What a verifier read from an inclusion proof's entry line (journal::LeafOfJournalLine).
struct ProvenEntry {
  uint64_t seq = 0;
  std::string zone;
  Hash256 leaf_hash{};
};

// Checks an inclusion proof against a checkpoint whose signature was verified: the checkpoint
// covers the proof's tree size, the entry is the one the proof names (seq, zone, leaf hash), and
// the path leads from the leaf hash to the checkpoint's root. The error says which check failed.
Status CheckInclusionProof(const InclusionProofFile& proof, const ProvenEntry& entry,
                           const Checkpoint& checkpoint);
// Checks a consistency proof between two verified checkpoints of sizes proof.from and proof.to.
Status CheckConsistencyProof(const ConsistencyProofFile& proof, const Checkpoint& older,
                             const Checkpoint& newer);

}  // namespace twoline::proof
