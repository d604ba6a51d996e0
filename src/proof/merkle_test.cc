#include "proof/merkle.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "proof/base64.h"

namespace twoline::proof {
namespace {

Hash256 Hex(std::string_view hex) {
  Hash256 hash{};
  EXPECT_TRUE(FromHex(hex, &hash)) << hex;
  return hash;
}

std::string Bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The RFC 9162 §2.1 definitions, written as directly as they read, with their own hashing: MTH,
// PATH and PROOF/SUBPROOF over a list of leaf hashes. Subtree hashes are memoised so that every
// size and index of a large tree can be checked; memoising does not change what is computed.
class Reference {
 public:
  explicit Reference(const std::vector<Hash256>& leaf_hashes) : d_(leaf_hashes) {}

  static Hash256 Node(const Hash256& left, const Hash256& right) {
    std::string bytes("\x01");
    bytes.append(reinterpret_cast<const char*>(left.data()), 32);
    bytes.append(reinterpret_cast<const char*>(right.data()), 32);
    return Sha256(bytes);
  }
  static uint64_t K(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  // MTH(D[begin:end]).
  Hash256 Mth(uint64_t begin, uint64_t end) {
    uint64_t n = end - begin;
    if (n == 0) return Sha256("");
    if (n == 1) return d_[begin];
    auto known = memo_.find({begin, end});
    if (known != memo_.end()) return known->second;
    uint64_t k = K(n);
    Hash256 hash = Node(Mth(begin, begin + k), Mth(begin + k, end));
    memo_[{begin, end}] = hash;
    return hash;
  }

  // PATH(m, D[begin:end]).
  std::vector<Hash256> Path(uint64_t m, uint64_t begin, uint64_t end) {
    uint64_t n = end - begin;
    if (n == 1) return {};
    uint64_t k = K(n);
    std::vector<Hash256> path;
    if (m < k) {
      path = Path(m, begin, begin + k);
      path.push_back(Mth(begin + k, end));
    } else {
      path = Path(m - k, begin + k, end);
      path.push_back(Mth(begin, begin + k));
    }
    return path;
  }

  // PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true).
  std::vector<Hash256> Proof(uint64_t m, uint64_t n) { return Subproof(m, 0, n, true); }

 private:
  std::vector<Hash256> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) {
    uint64_t n = end - begin;
    if (m == n) {
      if (b) return {};
      return {Mth(begin, end)};
    }
    uint64_t k = K(n);
    std::vector<Hash256> proof;
    if (m <= k) {
      proof = Subproof(m, begin, begin + k, b);
      proof.push_back(Mth(begin + k, end));
    } else {
      proof = Subproof(m - k, begin + k, end, false);
      proof.push_back(Mth(begin, begin + k));
    }
    return proof;
  }

  const std::vector<Hash256>& d_;
  std::map<std::pair<uint64_t, uint64_t>, Hash256> memo_;
};

std::vector<Hash256> NumberedLeaves(size_t count) {
  std::vector<Hash256> leaves;
  leaves.reserve(count);
  for (size_t i = 0; i < count; ++i) leaves.push_back(HashLeaf("entry " + std::to_string(i)));
  return leaves;
}

// --- published test vectors
// ------------------------------------------------------------------------

// The leaves and roots of the RFC 6962 reference test data (certificate-transparency, also used by
// Go's transparency-dev/merkle): tree sizes 0 to 8.
const char* const kVectorLeaves[] = {"",
                                     "00",
                                     "10",
                                     "2021",
                                     "3031",
                                     "40414243",
                                     "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"};
const char* const kVectorRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

MerkleLog VectorLog() {
  MerkleLog log;
  for (const char* leaf : kVectorLeaves) log.Append(HashLeaf(Bytes(leaf)));
  return log;
}

TEST(MerkleTest, HashingMatchesRfc6962Vectors) {
  EXPECT_EQ(ToHex(EmptyTreeRoot()), kVectorRoots[0]);
  EXPECT_EQ(ToHex(HashLeaf("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(ToHex(HashLeaf("L123456")),
            "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
}

TEST(MerkleTest, RootsMatchPublishedVectorsForSizesZeroToEight) {
  MerkleLog log = VectorLog();
  MerkleFrontier frontier;
  EXPECT_EQ(ToHex(frontier.Root()), kVectorRoots[0]);
  for (uint64_t n = 0; n <= 8; ++n) {
    EXPECT_EQ(ToHex(log.RootAt(n)), kVectorRoots[n]) << "size " << n;
    if (n > 0) {
      frontier.Append(log.LeafHash(n - 1));
      EXPECT_EQ(ToHex(frontier.Root()), kVectorRoots[n]) << "size " << n;
    }
  }
}

TEST(MerkleTest, InclusionProofsMatchPublishedVectors) {
  struct Vector {
    uint64_t index, size;
    std::vector<const char*> path;
  };
  const Vector vectors[] = {
      {0, 1, {}},
      {0, 2, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"}},
      {1, 2, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
  };
  MerkleLog log = VectorLog();
  for (const Vector& v : vectors) {
    auto path = log.InclusionProof(v.index, v.size);
    ASSERT_TRUE(path.ok()) << path.error().message;
    std::vector<Hash256> want;
    for (const char* hex : v.path) want.push_back(Hex(hex));
    EXPECT_EQ(*path, want) << "leaf " << v.index << " of " << v.size;
    Status verified =
        VerifyInclusion(v.index, v.size, log.LeafHash(v.index), want, Hex(kVectorRoots[v.size]));
    EXPECT_TRUE(verified.ok()) << verified.message();
  }
}

TEST(MerkleTest, ConsistencyProofsMatchPublishedVectors) {
  struct Vector {
    uint64_t from, to;
    std::vector<const char*> path;
  };
  const Vector vectors[] = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  MerkleLog log = VectorLog();
  for (const Vector& v : vectors) {
    auto path = log.ConsistencyProof(v.from, v.to);
    ASSERT_TRUE(path.ok()) << path.error().message;
    std::vector<Hash256> want;
    for (const char* hex : v.path) want.push_back(Hex(hex));
    EXPECT_EQ(*path, want) << v.from << " to " << v.to;
    Status verified =
        VerifyConsistency(v.from, v.to, want, Hex(kVectorRoots[v.from]), Hex(kVectorRoots[v.to]));
    EXPECT_TRUE(verified.ok()) << verified.message();
  }
}

// Go's transparency-dev/merkle compact-range golden roots: leaf i is the two bytes of i,
// little-endian.
TEST(MerkleTest, RootsMatchCompactRangeGoldenVectors) {
  const std::pair<uint64_t, const char*> golden[] = {
      {10, "VjWMPSYNtCuCNlF/RLnQy6HcwSk6CIipfxm+hettA+4="},
      {15, "j4SulYmocFuxdeyp12xXCIgK6PekBcxzAIj4zbQzNEI="},
      {16, "c+4Uc6BCMOZf/v3NZK1kqTUJe+bBoFtOhP+P3SayKRE="},
      {100, "dUh9hYH88p0CMoHkdr1wC2szbhcLAXOejWpINIooKUY="},
      {255, "SmdsuKUqiod3RX2jyF2M6JnbdE4QuTwwipfAowI4/i0="},
  };
  MerkleLog log;
  for (uint64_t i = 0; i < 255; ++i) {
    char leaf[2] = {static_cast<char>(i & 0xff), static_cast<char>(i >> 8 & 0xff)};
    log.Append(HashLeaf(std::string_view(leaf, 2)));
  }
  for (const auto& [size, root] : golden) {
    Hash256 hash = log.RootAt(size);
    EXPECT_EQ(Base64Encode(std::string_view(reinterpret_cast<const char*>(hash.data()), 32)), root)
        << "size " << size;
  }
}

// --- against the RFC's definitions
// ----------------------------------------------------------------

TEST(MerkleTest, EveryRootAndProofUpToSize300MatchesTheRfcDefinitions) {
  constexpr uint64_t kMax = 300;
  std::vector<Hash256> leaves = NumberedLeaves(kMax);
  Reference reference(leaves);
  MerkleLog log;
  MerkleFrontier frontier;
  for (uint64_t n = 1; n <= kMax; ++n) {
    log.Append(leaves[n - 1]);
    frontier.Append(leaves[n - 1]);
    Hash256 root = reference.Mth(0, n);
    ASSERT_EQ(log.Root(), root) << "size " << n;
    ASSERT_EQ(frontier.Root(), root) << "size " << n;
  }
  ASSERT_EQ(log.RootAt(0), EmptyTreeRoot());
  for (uint64_t n = 1; n <= kMax; ++n) {
    Hash256 root = log.RootAt(n);
    ASSERT_EQ(root, reference.Mth(0, n));
    for (uint64_t index = 0; index < n; ++index) {
      auto path = log.InclusionProof(index, n);
      ASSERT_TRUE(path.ok());
      ASSERT_EQ(*path, reference.Path(index, 0, n)) << "leaf " << index << " of " << n;
      ASSERT_EQ(path->size(), InclusionProofLength(index, n));
      Status verified = VerifyInclusion(index, n, leaves[index], *path, root);
      ASSERT_TRUE(verified.ok()) << "leaf " << index << " of " << n << ": " << verified.message();
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto path = log.ConsistencyProof(m, n);
      ASSERT_TRUE(path.ok());
      ASSERT_EQ(*path, reference.Proof(m, n)) << m << " to " << n;
      ASSERT_EQ(path->size(), ConsistencyProofLength(m, n));
      Status verified = VerifyConsistency(m, n, *path, log.RootAt(m), root);
      ASSERT_TRUE(verified.ok()) << m << " to " << n << ": " << verified.message();
    }
  }
}

TEST(MerkleTest, RandomSizesUpTo100000MatchTheRfcDefinitions) {
  constexpr uint64_t kMax = 100000;
  std::vector<Hash256> leaves = NumberedLeaves(kMax);
  Reference reference(leaves);
  MerkleLog log = MerkleLog::FromLeafHashes(leaves);
  ASSERT_EQ(log.size(), kMax);
  ASSERT_EQ(log.Root(), reference.Mth(0, kMax));
  std::mt19937_64 random(20260301);
  for (int round = 0; round < 40; ++round) {
    uint64_t n = 1 + random() % kMax;
    uint64_t m = 1 + random() % n;
    uint64_t index = random() % n;
    Hash256 root = log.RootAt(n);
    ASSERT_EQ(root, reference.Mth(0, n)) << "size " << n;
    auto inclusion = log.InclusionProof(index, n);
    ASSERT_TRUE(inclusion.ok());
    ASSERT_EQ(*inclusion, reference.Path(index, 0, n)) << "leaf " << index << " of " << n;
    EXPECT_TRUE(VerifyInclusion(index, n, leaves[index], *inclusion, root).ok());
    auto consistency = log.ConsistencyProof(m, n);
    ASSERT_TRUE(consistency.ok());
    ASSERT_EQ(*consistency, reference.Proof(m, n)) << m << " to " << n;
    EXPECT_TRUE(VerifyConsistency(m, n, *consistency, log.RootAt(m), root).ok());
  }
}

TEST(MerkleTest, AppendingGivesTheSameLevelsAsBuildingFromLeafHashes) {
  std::vector<Hash256> leaves = NumberedLeaves(1000);
  MerkleLog appended;
  for (const Hash256& leaf : leaves) appended.Append(leaf);
  MerkleLog built = MerkleLog::FromLeafHashes(leaves);
  EXPECT_EQ(appended.Serialize(), built.Serialize());
}

// --- rejections
// -------------------------------------------------------------------------------------

struct Fixture {
  std::vector<Hash256> leaves = NumberedLeaves(100);
  MerkleLog log = MerkleLog::FromLeafHashes(leaves);
};

TEST(MerkleTest, TamperedInclusionProofsAreRejectedWithTheReason) {
  Fixture f;
  const uint64_t index = 37, size = 91;
  Hash256 root = f.log.RootAt(size);
  std::vector<Hash256> path = *f.log.InclusionProof(index, size);
  ASSERT_TRUE(VerifyInclusion(index, size, f.leaves[index], path, root).ok());

  Status wrong_leaf = VerifyInclusion(index, size, f.leaves[index + 1], path, root);
  EXPECT_NE(wrong_leaf.message().find("leads to root"), std::string::npos) << wrong_leaf.message();
  Status wrong_root = VerifyInclusion(index, size, f.leaves[index], path, f.log.RootAt(size - 1));
  EXPECT_NE(wrong_root.message().find("leads to root"), std::string::npos) << wrong_root.message();
  Status out_of_range = VerifyInclusion(size, size, f.leaves[index], path, root);
  EXPECT_NE(out_of_range.message().find("not below the tree size 91"), std::string::npos)
      << out_of_range.message();

  std::vector<Hash256> truncated(path.begin(), path.end() - 1);
  Status short_proof = VerifyInclusion(index, size, f.leaves[index], truncated, root);
  EXPECT_NE(short_proof.message().find("truncated"), std::string::npos) << short_proof.message();
  std::vector<Hash256> extended = path;
  extended.push_back(root);
  Status long_proof = VerifyInclusion(index, size, f.leaves[index], extended, root);
  EXPECT_NE(long_proof.message().find("too long"), std::string::npos) << long_proof.message();

  // A wrong size or index: either the length or the root gives it away. (Sizes whose trees give the
  // leaf the same path shape, like 90 and 92 here, lead to the same root: the size is bound by the
  // signed checkpoint, which names both, not by the path.)
  for (uint64_t other_size : {size * 2, size / 2, uint64_t{64}, uint64_t{38}}) {
    EXPECT_FALSE(VerifyInclusion(index, other_size, f.leaves[index], path, root).ok())
        << other_size;
  }
  for (uint64_t other_index : {index - 1, index + 1, index ^ 2}) {
    EXPECT_FALSE(VerifyInclusion(other_index, size, f.leaves[index], path, root).ok())
        << other_index;
  }
  for (size_t i = 0; i < path.size(); ++i) {
    std::vector<Hash256> flipped = path;
    flipped[i][0] ^= 8;
    EXPECT_FALSE(VerifyInclusion(index, size, f.leaves[index], flipped, root).ok()) << i;
  }
}

TEST(MerkleTest, EveryCorruptionOfEveryInclusionProofUpTo64IsRejected) {
  Fixture f;
  for (uint64_t size = 1; size <= 64; ++size) {
    Hash256 root = f.log.RootAt(size);
    for (uint64_t index = 0; index < size; ++index) {
      std::vector<Hash256> path = *f.log.InclusionProof(index, size);
      for (size_t i = 0; i < path.size(); ++i) {
        std::vector<Hash256> flipped = path;
        flipped[i][31] ^= 1;
        ASSERT_FALSE(VerifyInclusion(index, size, f.leaves[index], flipped, root).ok());
        std::vector<Hash256> dropped = path;
        dropped.erase(dropped.begin() + static_cast<std::ptrdiff_t>(i));
        ASSERT_FALSE(VerifyInclusion(index, size, f.leaves[index], dropped, root).ok());
      }
      for (uint64_t other = 0; other < size; ++other) {
        if (other == index) continue;
        ASSERT_FALSE(VerifyInclusion(other, size, f.leaves[index], path, root).ok())
            << "leaf " << index << " claimed as " << other << " of " << size;
      }
    }
  }
}

TEST(MerkleTest, TamperedConsistencyProofsAreRejectedWithTheReason) {
  Fixture f;
  const uint64_t from = 23, to = 77;
  Hash256 old_root = f.log.RootAt(from), new_root = f.log.RootAt(to);
  std::vector<Hash256> path = *f.log.ConsistencyProof(from, to);
  ASSERT_TRUE(VerifyConsistency(from, to, path, old_root, new_root).ok());

  Status wrong_old = VerifyConsistency(from, to, path, f.log.RootAt(from + 1), new_root);
  EXPECT_NE(wrong_old.message().find("is not a prefix"), std::string::npos) << wrong_old.message();
  Status wrong_new = VerifyConsistency(from, to, path, old_root, f.log.RootAt(to - 1));
  EXPECT_NE(wrong_new.message().find("new root"), std::string::npos) << wrong_new.message();
  std::vector<Hash256> truncated(path.begin(), path.end() - 1);
  Status short_proof = VerifyConsistency(from, to, truncated, old_root, new_root);
  EXPECT_NE(short_proof.message().find("truncated"), std::string::npos) << short_proof.message();
  Status empty = VerifyConsistency(from, to, {}, old_root, new_root);
  EXPECT_FALSE(empty.ok());
  Status same_size = VerifyConsistency(from, from, {}, old_root, new_root);
  EXPECT_NE(same_size.message().find("different roots"), std::string::npos) << same_size.message();
  EXPECT_FALSE(VerifyConsistency(0, to, path, old_root, new_root).ok());
  EXPECT_FALSE(VerifyConsistency(to, from, path, new_root, old_root).ok());
  for (size_t i = 0; i < path.size(); ++i) {
    std::vector<Hash256> flipped = path;
    flipped[i][5] ^= 0x40;
    EXPECT_FALSE(VerifyConsistency(from, to, flipped, old_root, new_root).ok()) << i;
  }
  // A rewritten history: the same sizes over different leaves.
  std::vector<Hash256> rewritten = f.leaves;
  rewritten[10] = HashLeaf("rewritten");
  MerkleLog other = MerkleLog::FromLeafHashes(rewritten);
  Status forked =
      VerifyConsistency(from, to, *other.ConsistencyProof(from, to), old_root, other.RootAt(to));
  EXPECT_FALSE(forked.ok());
}

TEST(MerkleTest, ProofRequestsOutsideTheLogAreErrors) {
  Fixture f;
  EXPECT_NE(f.log.InclusionProof(0, 101).error().message.find("beyond the journal's 100"),
            std::string::npos);
  EXPECT_NE(f.log.InclusionProof(50, 50).error().message.find("seq 51"), std::string::npos);
  EXPECT_FALSE(f.log.ConsistencyProof(0, 10).ok());
  EXPECT_FALSE(f.log.ConsistencyProof(11, 10).ok());
  EXPECT_FALSE(f.log.ConsistencyProof(10, 101).ok());
  EXPECT_TRUE(f.log.ConsistencyProof(100, 100)->empty());
}

// --- persistence
// ----------------------------------------------------------------------------------

TEST(MerkleTest, TruncateEqualsALogOfTheFirstLeaves) {
  Fixture f;
  for (uint64_t size : {100u, 64u, 63u, 1u, 0u}) {
    MerkleLog log = f.log;
    log.Truncate(size);
    MerkleLog fresh = MerkleLog::FromLeafHashes(std::span(f.leaves).first(size));
    EXPECT_EQ(log.Serialize(), fresh.Serialize()) << size;
    log.Append(f.leaves[0]);
    EXPECT_EQ(log.size(), size + 1);
  }
}

TEST(MerkleTest, LogSnapshotRoundTripsAndCorruptionIsDetected) {
  Fixture f;
  std::string bytes = f.log.Serialize();
  EXPECT_EQ(bytes.size(), 8 + 8 + 32 * (100 + 50 + 25 + 12 + 6 + 3 + 1) + 32);
  auto parsed = MerkleLog::Parse(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->Root(), f.log.Root());
  EXPECT_EQ(*parsed->InclusionProof(3, 99), *f.log.InclusionProof(3, 99));

  std::string flipped = bytes;
  flipped[100] ^= 1;
  EXPECT_NE(MerkleLog::Parse(flipped).error().message.find("checksum"), std::string::npos);
  EXPECT_FALSE(MerkleLog::Parse(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(MerkleLog::Parse("TLMLOG01").ok());
  auto empty = MerkleLog::Parse(MerkleLog().Serialize());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 0u);
}

TEST(MerkleTest, FrontierSnapshotRoundTrips) {
  Fixture f;
  MerkleFrontier frontier;
  for (const Hash256& leaf : f.leaves) frontier.Append(leaf);
  std::string bytes = frontier.Serialize();
  EXPECT_EQ(bytes.size(), 8u + 32 * 3);  // 100 = 64 + 32 + 4
  auto parsed = MerkleFrontier::Parse(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Root(), f.log.Root());
  parsed->Append(f.leaves[0]);
  MerkleLog longer = f.log;
  longer.Append(f.leaves[0]);
  EXPECT_EQ(parsed->Root(), longer.Root());
  EXPECT_FALSE(MerkleFrontier::Parse(bytes.substr(0, bytes.size() - 32)).ok());
}

TEST(MerkleTest, Base64IsStrict) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(text)), text);
  }
  EXPECT_FALSE(Base64Decode("Zg=").has_value());
  EXPECT_FALSE(Base64Decode("Zh==").has_value());  // non-zero bits after the last byte
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());
  EXPECT_FALSE(Base64Decode("Z-8=").has_value());
  EXPECT_FALSE(Base64Decode("Zm8 ").has_value());
}

}  // namespace
}  // namespace twoline::proof
