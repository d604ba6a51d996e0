// Checkpoints: a journal's tree head in the C2SP tlog-checkpoint format
// (https://c2sp.org/tlog-checkpoint), signed as a note (proof/note.h).
//
// Note text, each line ending in '\n':
//
//   <origin>                 e.g. "twoline/hengqin": names the log (one zone's journal)
//   <tree size>              decimal, no leading zeros: the number of entries covered
//   <root hash>              base64 of the 32-byte RFC 9162 root of those entries (proof/merkle.h)
//   [extension lines]        optional, non-empty; twoline writes none and ignores them
//
// A signed checkpoint commits its signer to the first `size` entries of the zone's journal: an
// inclusion proof shows one entry is among them, a consistency proof that a later checkpoint
// extends this one, and a journal whose first `size` entries hash to another root was rewritten.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"
#include "proof/note.h"

namespace twoline::proof {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash256 root{};
  std::vector<std::string> extensions;
};

// The origin twoline uses for a zone unless configured otherwise: "twoline/<zone>".
std::string DefaultOrigin(std::string_view zone);
// Ok when `origin` can be a checkpoint's first line (non-empty, no whitespace, no '+').
Status ValidateOrigin(std::string_view origin);

std::string FormatCheckpointText(const Checkpoint& checkpoint);
Result<Checkpoint> ParseCheckpointText(std::string_view text);

// The signed note of a checkpoint.
Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer);

struct OpenedCheckpoint {
  Checkpoint checkpoint;
  std::vector<std::string> verified_by;
};
// Verifies the note's signature against the known keys, parses the checkpoint and checks that its
// origin is `expected_origin` (any origin when empty). The error names the failure: malformed
// note, wrong signature, unknown key, malformed checkpoint or wrong origin.
Result<OpenedCheckpoint> OpenCheckpoint(std::string_view note,
                                        std::span<const NoteVerifier> verifiers,
                                        std::string_view expected_origin);

}  // namespace twoline::proof
