// StoredTree: the RFC 9162 Merkle trees of a store's zones, built from the leaf hashes stored with
// each journal entry (store.h) and extended as the journal grows, for roots, inclusion proofs and
// consistency proofs (proof/merkle.h, proof/proof_file.h) of any committed size.
//
// A zone's tree (proof::MerkleLog) is built the first time one of its roots or proofs is asked for,
// from its leaf hashes read in chunks (no entry is read or hashed), and caught up with the leaf
// hashes of entries appended since whenever a larger size is asked for. A proof then costs O(log n)
// hashes from memory plus, for an inclusion proof, the read of its one entry line.
//
// What grows: a zone's tree holds about 64 bytes per journal entry (two hashes per leaf, all
// levels), kept while the StoredTree lives, in the processes that serve proofs (`serve`, and one
// `prove` run). The writer does not use it: it keeps only the frontier (journal/chain.h).
//
// Sizes are the caller's to check against Current(): a size beyond the stored journal is an error
// here too, never a crash.
// Thread-safety: all methods are safe from any thread. Proofs of one zone run in parallel under a
// shared lock; catching up takes the zone's lock exclusively.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "base/result.h"
#include "proof/merkle.h"
#include "proof/proof_file.h"
#include "store/store.h"

namespace twoline::store {

class StoredTree {
 public:
  explicit StoredTree(Store& store) : store_(store) {}
  StoredTree(const StoredTree&) = delete;
  StoredTree& operator=(const StoredTree&) = delete;

  struct Head {
    uint64_t size = 0;
    Hash256 root{};
  };
  // The zone's committed tree: its size (the zone record's entries) and root. Errors: the store
  // cannot be read, or it holds no entry of the zone.
  Result<Head> Current(const std::string& zone);
  // How many of the zone's entries its tree in memory holds (0 before the first use): all of them
  // committed, so a size up to this needs no read of the zone record. Never reads the store.
  uint64_t Known(const std::string& zone);
  // The root of the tree of the zone's first `size` entries (size <= the committed size).
  Result<Hash256> RootAt(const std::string& zone, uint64_t size);
  // The inclusion proof of entry `seq` in the tree of `size` entries (1 <= seq <= size <= the
  // committed size), with the entry's stored line.
  Result<proof::InclusionProofFile> Inclusion(const std::string& zone, uint64_t seq, uint64_t size);
  // The consistency proof from the tree of `from` entries to that of `to` (1 <= from <= to <= the
  // committed size).
  Result<proof::ConsistencyProofFile> Consistency(const std::string& zone, uint64_t from,
                                                  uint64_t to);

 private:
  struct ZoneTree {
    std::shared_mutex mutex;
    proof::MerkleLog log;
  };
  ZoneTree& TreeOf(const std::string& zone);
  // Extends the zone's tree to at least `size` leaves from the stored leaf hashes.
  Status CatchUp(const std::string& zone, ZoneTree& tree, uint64_t size);

  Store& store_;
  std::mutex zones_mutex_;
  std::map<std::string, std::unique_ptr<ZoneTree>> zones_;
};

}  // namespace twoline::store
