#include "proof/merkle.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "base/check.h"

namespace twoline::proof {
namespace {

constexpr std::string_view kLogMagic = "TLMLOG01";

// k in the RFC's definitions: the largest power of two smaller than n (n >= 2).
uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  CHECK(n >= 2);
  return uint64_t{1} << (std::bit_width(n - 1) - 1);
}

void AppendU64(std::string* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(value >> (8 * i) & 0xff));
}

uint64_t ReadU64(std::string_view bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  return value;
}

void AppendHash(std::string* out, const Hash256& hash) {
  out->append(reinterpret_cast<const char*>(hash.data()), hash.size());
}

Hash256 ReadHash(std::string_view bytes) {
  Hash256 hash;
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

std::string Count(size_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "es");
}

// "has 2 hashes; ... needs 3 (truncated)".
std::string LengthMismatch(const char* what, size_t got, size_t want, const std::string& of) {
  return std::string("the ") + what + " has " + Count(got, "hash") + "; " + of + " needs " +
         std::to_string(want) +
         (got < want ? " (the proof is truncated)" : " (the proof is too long)");
}

}  // namespace

Hash256 HashLeaf(std::string_view leaf_bytes) {
  // Short leaves (every journal entry but profiles) are prefixed on the stack.
  char buffer[2048];
  if (leaf_bytes.size() < sizeof buffer) {
    buffer[0] = 0x00;
    std::memcpy(buffer + 1, leaf_bytes.data(), leaf_bytes.size());
    return Sha256(std::string_view(buffer, leaf_bytes.size() + 1));
  }
  std::string prefixed(1, '\0');
  prefixed.append(leaf_bytes);
  return Sha256(prefixed);
}

Hash256 HashChildren(const Hash256& left, const Hash256& right) {
  char buffer[65];
  buffer[0] = 0x01;
  std::memcpy(buffer + 1, left.data(), 32);
  std::memcpy(buffer + 33, right.data(), 32);
  return Sha256(std::string_view(buffer, sizeof buffer));
}

Hash256 EmptyTreeRoot() { return Sha256(std::string_view()); }

size_t InclusionProofLength(uint64_t leaf_index, uint64_t tree_size) {
  CHECK(leaf_index < tree_size);
  // The path splits where the leaf's and the last leaf's indices first differ ("inner" levels,
  // below it), then climbs the right edge, one hash per set bit above ("border").
  int inner = std::bit_width(leaf_index ^ (tree_size - 1));
  int border = std::popcount(leaf_index >> inner);
  return static_cast<size_t>(inner + border);
}

size_t ConsistencyProofLength(uint64_t old_size, uint64_t new_size) {
  CHECK(old_size > 0 && old_size <= new_size);
  if (old_size == new_size) return 0;
  int inner = std::bit_width((old_size - 1) ^ (new_size - 1));
  int border = std::popcount((old_size - 1) >> inner);
  // The old tree's last complete subtree of 2^shift leaves is given by the proof's first hash,
  // unless the old tree is that subtree (then the verifier starts from the old root).
  int shift = std::countr_zero(old_size);
  int start = old_size == uint64_t{1} << shift ? 0 : 1;
  return static_cast<size_t>(start + inner - shift + border);
}

// --- MerkleFrontier
// --------------------------------------------------------------------------------

void MerkleFrontier::Append(const Hash256& leaf_hash) {
  // Like adding one to a binary counter: every complete subtree of equal size merges leftwards.
  Hash256 carry = leaf_hash;
  for (uint64_t size = size_; size & 1; size >>= 1) {
    carry = HashChildren(edge_.back(), carry);
    edge_.pop_back();
  }
  edge_.push_back(carry);
  ++size_;
}

Hash256 MerkleFrontier::Root() const {
  if (edge_.empty()) return EmptyTreeRoot();
  Hash256 root = edge_.back();
  for (size_t i = edge_.size() - 1; i > 0; --i) root = HashChildren(edge_[i - 1], root);
  return root;
}

std::string MerkleFrontier::Serialize() const {
  std::string out;
  AppendU64(&out, size_);
  for (const Hash256& hash : edge_) AppendHash(&out, hash);
  return out;
}

Result<MerkleFrontier> MerkleFrontier::Parse(std::string_view bytes) {
  if (bytes.size() < 8) return Error{"Merkle frontier: shorter than its 8-byte size"};
  MerkleFrontier frontier;
  frontier.size_ = ReadU64(bytes);
  size_t hashes = static_cast<size_t>(std::popcount(frontier.size_));
  if (bytes.size() != 8 + 32 * hashes) {
    return Error{"Merkle frontier: " + std::to_string(bytes.size()) + " bytes for size " +
                 std::to_string(frontier.size_) + ", expected " + std::to_string(8 + 32 * hashes)};
  }
  for (size_t i = 0; i < hashes; ++i) frontier.edge_.push_back(ReadHash(bytes.substr(8 + 32 * i)));
  return frontier;
}

// --- MerkleLog
// ------------------------------------------------------------------------------------

MerkleLog MerkleLog::FromLeafHashes(std::span<const Hash256> leaf_hashes) {
  MerkleLog log;
  if (leaf_hashes.empty()) return log;
  log.levels_.emplace_back(leaf_hashes.begin(), leaf_hashes.end());
  for (size_t h = 0; log.levels_[h].size() >= 2; ++h) {
    std::vector<Hash256> parents;
    parents.reserve(log.levels_[h].size() / 2);
    const std::vector<Hash256>& children = log.levels_[h];
    for (size_t i = 0; i + 1 < children.size(); i += 2) {
      parents.push_back(HashChildren(children[i], children[i + 1]));
    }
    log.levels_.push_back(std::move(parents));
  }
  return log;
}

void MerkleLog::Append(const Hash256& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each level whose length became even completes a subtree one level up.
  for (size_t h = 0; levels_[h].size() % 2 == 0; ++h) {
    if (levels_.size() == h + 1) levels_.emplace_back();
    const std::vector<Hash256>& level = levels_[h];
    levels_[h + 1].push_back(HashChildren(level[level.size() - 2], level.back()));
  }
}

void MerkleLog::Truncate(uint64_t size) {
  CHECK(size <= this->size());
  for (size_t h = 0; h < levels_.size(); ++h) levels_[h].resize(size >> h);
  while (!levels_.empty() && levels_.back().empty()) levels_.pop_back();
}

const Hash256& MerkleLog::LeafHash(uint64_t index) const {
  CHECK(index < size());
  return levels_[0][index];
}

Hash256 MerkleLog::SubtreeHash(uint64_t begin, uint64_t end) const {
  CHECK(begin < end && end <= size());
  // The subtree is a run of complete subtrees, one per set bit of its length, largest first; the
  // RFC's recursion splits off the largest, so the hash folds them from the right.
  uint64_t length = end - begin;
  const Hash256* parts[64];
  int count = 0;
  uint64_t offset = begin;
  for (int h = std::bit_width(length) - 1; h >= 0; --h) {
    if ((length >> h & 1) == 0) continue;
    CHECK(offset % (uint64_t{1} << h) == 0);
    parts[count++] = &levels_[h][offset >> h];
    offset += uint64_t{1} << h;
  }
  Hash256 hash = *parts[count - 1];
  for (int i = count - 2; i >= 0; --i) hash = HashChildren(*parts[i], hash);
  return hash;
}

Hash256 MerkleLog::RootAt(uint64_t tree_size) const {
  CHECK(tree_size <= size());
  if (tree_size == 0) return EmptyTreeRoot();
  return SubtreeHash(0, tree_size);
}

Result<std::vector<Hash256>> MerkleLog::InclusionProof(uint64_t leaf_index,
                                                       uint64_t tree_size) const {
  if (tree_size > size()) {
    return Error{"tree size " + std::to_string(tree_size) + " is beyond the journal's " +
                 std::to_string(size()) + " entries"};
  }
  if (leaf_index >= tree_size) {
    return Error{"leaf index " + std::to_string(leaf_index) + " (seq " +
                 std::to_string(leaf_index + 1) + ") is not in the tree of size " +
                 std::to_string(tree_size)};
  }
  std::vector<Hash256> path;
  path.reserve(InclusionProofLength(leaf_index, tree_size));
  uint64_t begin = 0, end = tree_size;
  while (end - begin > 1) {
    uint64_t k = LargestPowerOfTwoBelow(end - begin);
    if (leaf_index < begin + k) {
      path.push_back(SubtreeHash(begin + k, end));
      end = begin + k;
    } else {
      path.push_back(SubtreeHash(begin, begin + k));
      begin += k;
    }
  }
  // Collected from the root down; the proof lists them from the leaf up.
  std::reverse(path.begin(), path.end());
  return path;
}

Result<std::vector<Hash256>> MerkleLog::ConsistencyProof(uint64_t old_size,
                                                         uint64_t new_size) const {
  if (new_size > size()) {
    return Error{"tree size " + std::to_string(new_size) + " is beyond the journal's " +
                 std::to_string(size()) + " entries"};
  }
  if (old_size == 0) return Error{"the old tree size must be at least 1"};
  if (old_size > new_size) {
    return Error{"the old tree size " + std::to_string(old_size) + " is larger than the new " +
                 std::to_string(new_size)};
  }
  // SUBPROOF(m, D[begin:end], complete), unrolled.
  std::vector<Hash256> path;
  path.reserve(ConsistencyProofLength(old_size, new_size));
  uint64_t m = old_size, begin = 0, end = new_size;
  bool complete = true;
  while (true) {
    if (m == end - begin) {
      if (!complete) path.push_back(SubtreeHash(begin, end));
      break;
    }
    uint64_t k = LargestPowerOfTwoBelow(end - begin);
    if (m <= k) {
      path.push_back(SubtreeHash(begin + k, end));
      end = begin + k;
    } else {
      path.push_back(SubtreeHash(begin, begin + k));
      m -= k;
      begin += k;
      complete = false;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::string MerkleLog::Serialize() const {
  std::string out(kLogMagic);
  AppendU64(&out, size());
  for (const std::vector<Hash256>& level : levels_) {
    for (const Hash256& hash : level) AppendHash(&out, hash);
  }
  AppendHash(&out, Sha256(out));
  return out;
}

Result<MerkleLog> MerkleLog::Parse(std::string_view bytes) {
  constexpr size_t kHeader = kLogMagic.size() + 8;
  if (bytes.size() < kHeader + 32 || bytes.substr(0, kLogMagic.size()) != kLogMagic) {
    return Error{"Merkle log snapshot: not a TLMLOG01 snapshot"};
  }
  uint64_t size = ReadU64(bytes.substr(kLogMagic.size()));
  // Every level holds size >> h hashes; the total is below 2 * size.
  uint64_t hashes = 0;
  for (uint64_t n = size; n > 0; n >>= 1) hashes += n;
  if (size > bytes.size() || bytes.size() != kHeader + 32 * hashes + 32) {
    return Error{"Merkle log snapshot: " + std::to_string(bytes.size()) + " bytes do not fit " +
                 std::to_string(size) + " leaves"};
  }
  std::string_view body = bytes.substr(0, bytes.size() - 32);
  if (Sha256(body) != ReadHash(bytes.substr(body.size()))) {
    return Error{"Merkle log snapshot: checksum mismatch (corrupted)"};
  }
  MerkleLog log;
  size_t offset = kHeader;
  for (uint64_t n = size; n > 0; n >>= 1) {
    std::vector<Hash256> level(n);
    std::memcpy(level.data(), body.data() + offset, 32 * n);
    offset += 32 * n;
    log.levels_.push_back(std::move(level));
  }
  return log;
}

size_t MerkleLog::MemoryBytes() const {
  size_t bytes = levels_.capacity() * sizeof(std::vector<Hash256>);
  for (const std::vector<Hash256>& level : levels_) bytes += level.capacity() * sizeof(Hash256);
  return bytes;
}

// --- verification
// ---------------------------------------------------------------------------------

Result<Hash256> RootFromInclusionProof(uint64_t leaf_index, uint64_t tree_size,
                                       const Hash256& leaf_hash, std::span<const Hash256> proof) {
  if (leaf_index >= tree_size) {
    return Error{"leaf index " + std::to_string(leaf_index) + " is not below the tree size " +
                 std::to_string(tree_size)};
  }
  size_t expected = InclusionProofLength(leaf_index, tree_size);
  if (proof.size() != expected) {
    return Error{LengthMismatch(
        "inclusion proof", proof.size(), expected,
        "leaf " + std::to_string(leaf_index) + " of a tree of size " + std::to_string(tree_size))};
  }
  // RFC 9162 §2.1.3.2, steps 2-5.
  uint64_t fn = leaf_index, sn = tree_size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    if (sn == 0) return Error{"the inclusion proof is too long"};
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Error{"the inclusion proof is truncated"};
  return r;
}

Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash256& leaf_hash,
                       std::span<const Hash256> proof, const Hash256& root) {
  auto computed = RootFromInclusionProof(leaf_index, tree_size, leaf_hash, proof);
  if (!computed) return computed.error();
  if (*computed != root) {
    return Error{"the inclusion proof leads to root " + ToHex(*computed) + ", not to the root " +
                 ToHex(root) + " of the tree of size " + std::to_string(tree_size)};
  }
  return Status::Ok();
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, std::span<const Hash256> proof,
                         const Hash256& old_root, const Hash256& new_root) {
  if (old_size == 0) return Error{"the old tree size must be at least 1"};
  if (old_size > new_size) {
    return Error{"the old tree size " + std::to_string(old_size) + " is larger than the new " +
                 std::to_string(new_size)};
  }
  if (old_size == new_size) {
    if (!proof.empty()) {
      return Error{"a consistency proof between equal sizes is empty; this one has " +
                   Count(proof.size(), "hash")};
    }
    if (old_root != new_root) {
      return Error{"two trees of size " + std::to_string(old_size) + " with different roots " +
                   ToHex(old_root) + " and " + ToHex(new_root)};
    }
    return Status::Ok();
  }
  size_t expected = ConsistencyProofLength(old_size, new_size);
  if (proof.size() != expected) {
    return Error{LengthMismatch(
        "consistency proof", proof.size(), expected,
        "from size " + std::to_string(old_size) + " to " + std::to_string(new_size))};
  }
  // RFC 9162 §2.1.4.2. Step 2: a power-of-two old tree is itself the first subtree.
  std::vector<Hash256> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash256& c = path[i];
    if (sn == 0) return Error{"the consistency proof is too long"};
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Error{"the consistency proof is truncated"};
  if (fr != old_root) {
    return Error{"the consistency proof leads to old root " + ToHex(fr) + ", not to " +
                 ToHex(old_root) + ": the tree of size " + std::to_string(old_size) +
                 " is not a prefix of the tree of size " + std::to_string(new_size)};
  }
  if (sr != new_root) {
    return Error{"the consistency proof leads to new root " + ToHex(sr) + ", not to " +
                 ToHex(new_root) + " (tree of size " + std::to_string(new_size) + ")"};
  }
  return Status::Ok();
}

}  // namespace twoline::proof
