// Checking a stored journal against checkpoints kept elsewhere: whoever holds the database can
// recompute every entry hash, but not the root of a checkpoint signed before the change.
//
// Given the journal's Merkle log (its leaf hashes) and verified checkpoints of that journal, the
// journal passes when the tree of its first `size` entries has the checkpoint's root for every
// checkpoint. Otherwise the earliest failing checkpoint names the damage:
//   rewritten  the first `size` entries hash to another root: some entry at or before seq `size`
//              was changed (and none at or before the largest smaller checkpoint that matched);
//   truncated  the checkpoint covers more entries than the journal holds.
// Thread-safety: a pure function over its arguments.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "proof/checkpoint.h"
#include "proof/merkle.h"

namespace twoline::proof {

struct JournalAudit {
  enum class Finding { kConsistent, kRewritten, kTruncated };
  Finding finding = Finding::kConsistent;
  uint64_t journal_size = 0;
  // kRewritten: the change is at or before this seq; kTruncated: the checkpoint's size.
  uint64_t checkpoint_size = 0;
  // The largest checkpoint size whose root matched (0 when none did): entries up to this seq are
  // as signed.
  uint64_t intact_through = 0;
  std::string message;  // one line for people, e.g. "the journal was rewritten at or before seq 7"
};

// `checkpoints` in any order; their signatures and origins must already be verified.
JournalAudit AuditJournal(const MerkleLog& log, std::span<const Checkpoint> checkpoints);

}  // namespace twoline::proof
