// Merkle trees over a zone's journal, with the hashing of RFC 9162 (Certificate Transparency 2.0)
// §2.1: the tree of the first n entries, inclusion and consistency proofs, and their verification.
//
// Hashing (RFC 9162 §2.1.1), SHA-256 throughout:
//   leaf hash  = SHA-256(0x00 || leaf bytes)       (journal: the entry's canonical encoding, see
//                                                   journal/merkle_leaf.h)
//   node hash  = SHA-256(0x01 || left || right)    (two 32-byte hashes)
//   MTH({})    = SHA-256("")                       (the empty tree)
//   MTH(D[1])  = leaf hash of D[0]
//   MTH(D[n])  = node hash of MTH(D[0:k]) and MTH(D[k:n]), k the largest power of two below n
//
// Leaf index i is the entry with seq i + 1.
//
// Two structures:
//   MerkleFrontier  the right edge only: one hash per set bit of n (at most 64). Enough to append
//   and
//                   to give the root of everything appended so far, in O(log n) memory; not enough
//                   for proofs. Serialises to 8 + 32 * popcount(n) bytes (fits in any snapshot).
//   MerkleLog       every complete subtree, level by level: level h holds MTH of leaves
//                   [i * 2^h, (i + 1) * 2^h) for every i with (i + 1) * 2^h <= n. About 2n hashes
//                   (64 bytes per leaf). Any root, inclusion proof or consistency proof for sizes
//                   up to n is assembled from O(log n) stored hashes plus at most O(log n) node
//                   hashes for the incomplete right edge: no entry is read again.
//
// Persisting a MerkleLog: either keep the leaf hashes (32 bytes per entry, e.g. a column beside
// each journal entry) and rebuild with FromLeafHashes (n - 1 node hashes), or keep Serialize()'s
// bytes (every level, with a checksum) in a snapshot and Parse them back without hashing.
//
// Thread-safety: neither class synchronises. const methods may run concurrently with each other;
// Append and Truncate need exclusive access (a std::shared_mutex around a MerkleLog is enough for
// one writer and many proof readers).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"

namespace twoline::proof {

// RFC 9162 §2.1.1.
Hash256 HashLeaf(std::string_view leaf_bytes);
Hash256 HashChildren(const Hash256& left, const Hash256& right);
// MTH of the empty tree: SHA-256 of no bytes.
Hash256 EmptyTreeRoot();

// Number of hashes in an inclusion proof of `leaf_index` in a tree of `tree_size` leaves
// (requires leaf_index < tree_size), and in a consistency proof from `old_size` to `new_size`
// (requires 0 < old_size <= new_size).
size_t InclusionProofLength(uint64_t leaf_index, uint64_t tree_size);
size_t ConsistencyProofLength(uint64_t old_size, uint64_t new_size);

class MerkleFrontier {
 public:
  // Appends one leaf hash: O(1) amortised, at most 64 node hashes.
  void Append(const Hash256& leaf_hash);
  uint64_t size() const { return size_; }
  // MTH of every leaf appended: O(log n) node hashes.
  Hash256 Root() const;

  // Little-endian u64 size, then the right-edge hashes, largest subtree first.
  std::string Serialize() const;
  static Result<MerkleFrontier> Parse(std::string_view bytes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash256> edge_;  // one per set bit of size_, the largest subtree first
};

class MerkleLog {
 public:
  MerkleLog() = default;
  // Builds the levels from every leaf hash, in order (n - 1 node hashes).
  static MerkleLog FromLeafHashes(std::span<const Hash256> leaf_hashes);

  // Appends one leaf hash: O(1) amortised node hashes (at most 64).
  void Append(const Hash256& leaf_hash);
  // Keeps the first `size` leaves (requires size <= this->size()), e.g. to drop appends whose
  // journal write failed.
  void Truncate(uint64_t size);

  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // Requires index < size().
  const Hash256& LeafHash(uint64_t index) const;
  // MTH of the first `tree_size` leaves; requires tree_size <= size().
  Hash256 RootAt(uint64_t tree_size) const;
  Hash256 Root() const { return RootAt(size()); }

  // RFC 9162 §2.1.3.1 PATH(leaf_index, D[0:tree_size]): the sibling hashes from the leaf up.
  // Fails (with the reason) unless leaf_index < tree_size <= size().
  Result<std::vector<Hash256>> InclusionProof(uint64_t leaf_index, uint64_t tree_size) const;
  // RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]); empty when the sizes are equal.
  // Fails (with the reason) unless 0 < old_size <= new_size <= size().
  Result<std::vector<Hash256>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

  // Snapshot form: "TLMLOG01", little-endian u64 leaf count, every level from the leaves up (each
  // level's length follows from the count), then SHA-256 of all the preceding bytes.
  std::string Serialize() const;
  static Result<MerkleLog> Parse(std::string_view bytes);

  // Bytes held by the level arrays (their capacity).
  size_t MemoryBytes() const;

 private:
  // MTH of leaves [begin, end), where begin is a multiple of the largest power of two not above
  // end - begin (true of every subtree the RFC's definitions visit).
  Hash256 SubtreeHash(uint64_t begin, uint64_t end) const;

  std::vector<std::vector<Hash256>> levels_;
};

// RFC 9162 §2.1.3.2: the root that `proof` leads to from `leaf_hash` at `leaf_index` in a tree of
// `tree_size` leaves. Fails when the index is out of range or the proof has the wrong length.
Result<Hash256> RootFromInclusionProof(uint64_t leaf_index, uint64_t tree_size,
                                       const Hash256& leaf_hash, std::span<const Hash256> proof);
// Ok when `proof` shows that `leaf_hash` is leaf `leaf_index` of the tree with `root`; otherwise
// the reason (index out of range, proof too short or too long, root mismatch).
Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash256& leaf_hash,
                       std::span<const Hash256> proof, const Hash256& root);
// RFC 9162 §2.1.4.2: ok when `proof` shows that the tree of `old_size` leaves with `old_root` is a
// prefix of the tree of `new_size` leaves with `new_root`; otherwise the reason.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, std::span<const Hash256> proof,
                         const Hash256& old_root, const Hash256& new_root);

}  // namespace twoline::proof
