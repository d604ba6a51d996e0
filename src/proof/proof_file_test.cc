#include "proof/proof_file.h"

#include <gtest/gtest.h>

#include "proof/audit.h"
#include "proof/merkle.h"

namespace twoline::proof {
namespace {

std::vector<Hash256> Leaves(size_t count, const std::string& salt = "") {
  std::vector<Hash256> leaves;
  for (size_t i = 0; i < count; ++i) leaves.push_back(HashLeaf(salt + std::to_string(i)));
  return leaves;
}

struct Fixture {
  std::vector<Hash256> leaves = Leaves(20);
  MerkleLog log = MerkleLog::FromLeafHashes(leaves);
  Checkpoint At(uint64_t size) const {
    return Checkpoint{"twoline/hengqin", size, log.RootAt(size), {}};
  }
  InclusionProofFile Inclusion(uint64_t seq, uint64_t size) const {
    return InclusionProofFile{"hengqin",
                              seq,
                              seq - 1,
                              size,
                              leaves[seq - 1],
                              "{\"seq\":1}",
                              *log.InclusionProof(seq - 1, size)};
  }
  ProvenEntry Entry(uint64_t seq) const { return ProvenEntry{seq, "hengqin", leaves[seq - 1]}; }
};

TEST(ProofFileTest, RoundTripsBothKinds) {
  Fixture f;
  InclusionProofFile inclusion = f.Inclusion(7, 13);
  std::string text = FormatProofFile(inclusion);
  EXPECT_EQ(text.rfind("{\"type\":\"inclusion\",\"zone\":\"hengqin\",\"seq\":7,\"leaf_index\":6,"
                       "\"tree_size\":13,\"leaf_hash\":\"",
                       0),
            0u)
      << text;
  EXPECT_EQ(text.back(), '\n');
  auto parsed = ParseProofFile(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto& again = std::get<InclusionProofFile>(*parsed);
  EXPECT_EQ(again.entry, inclusion.entry);
  EXPECT_EQ(again.path, inclusion.path);
  EXPECT_EQ(again.leaf_hash, inclusion.leaf_hash);
  EXPECT_EQ(FormatProofFile(again), text);

  ConsistencyProofFile consistency{"hengqin", 5, 20, *f.log.ConsistencyProof(5, 20)};
  std::string consistency_text = FormatProofFile(consistency);
  auto parsed_consistency = ParseProofFile(consistency_text);
  ASSERT_TRUE(parsed_consistency.ok()) << parsed_consistency.error().message;
  EXPECT_EQ(FormatProofFile(std::get<ConsistencyProofFile>(*parsed_consistency)), consistency_text);
}

TEST(ProofFileTest, MalformedFilesAreRejected) {
  const char* malformed[] = {
      "",
      "[]",
      "{\"type\":\"other\"}",
      "{\"type\":\"consistency\",\"zone\":\"z\",\"from\":1,\"to\":2}",
      "{\"type\":\"consistency\",\"zone\":\"z\",\"from\":1,\"to\":2,\"path\":[],\"extra\":1}",
      "{\"type\":\"consistency\",\"zone\":\"z\",\"from\":-1,\"to\":2,\"path\":[]}",
      "{\"type\":\"consistency\",\"zone\":\"\",\"from\":1,\"to\":2,\"path\":[]}",
      "{\"type\":\"consistency\",\"zone\":\"z\",\"from\":1,\"to\":2,\"path\":[\"AB\"]}",
      "{\"type\":\"inclusion\",\"zone\":\"z\",\"seq\":1,\"leaf_index\":0,\"tree_size\":1,"
      "\"leaf_hash\":\"00\",\"entry\":\"\",\"path\":[]}",
  };
  for (const char* text : malformed) {
    auto parsed = ParseProofFile(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().message.rfind("malformed proof:", 0), 0u) << parsed.error().message;
  }
}

TEST(ProofFileTest, InclusionChecksNameWhatIsWrong) {
  Fixture f;
  InclusionProofFile proof = f.Inclusion(7, 13);
  EXPECT_TRUE(CheckInclusionProof(proof, f.Entry(7), f.At(13)).ok());

  auto message = [&](const InclusionProofFile& p, const ProvenEntry& e, const Checkpoint& c) {
    Status s = CheckInclusionProof(p, e, c);
    return s.ok() ? std::string("ok") : s.message();
  };
  EXPECT_EQ(message(proof, f.Entry(7), f.At(14)).rfind("wrong size:", 0), 0u);
  ProvenEntry tampered = f.Entry(7);
  tampered.leaf_hash = HashLeaf("altered");
  EXPECT_EQ(message(proof, tampered, f.At(13)).rfind("tampered entry:", 0), 0u);
  EXPECT_EQ(message(proof, f.Entry(8), f.At(13)).rfind("tampered entry:", 0), 0u);
  Checkpoint wrong_root = f.At(13);
  wrong_root.root = f.log.RootAt(12);
  EXPECT_NE(message(proof, f.Entry(7), wrong_root).find("leads to root"), std::string::npos);
  InclusionProofFile truncated = proof;
  truncated.path.pop_back();
  EXPECT_NE(message(truncated, f.Entry(7), f.At(13)).find("truncated"), std::string::npos);
  InclusionProofFile renumbered = proof;
  renumbered.leaf_index = 7;
  EXPECT_EQ(message(renumbered, f.Entry(7), f.At(13)).rfind("malformed proof:", 0), 0u);
}

TEST(ProofFileTest, ConsistencyChecksNameWhatIsWrong) {
  Fixture f;
  ConsistencyProofFile proof{"hengqin", 5, 20, *f.log.ConsistencyProof(5, 20)};
  EXPECT_TRUE(CheckConsistencyProof(proof, f.At(5), f.At(20)).ok());
  EXPECT_EQ(CheckConsistencyProof(proof, f.At(6), f.At(20)).message().rfind("wrong size:", 0), 0u);
  MerkleLog forked = MerkleLog::FromLeafHashes(Leaves(20, "forked"));
  Checkpoint other{"twoline/hengqin", 20, forked.Root(), {}};
  EXPECT_NE(
      CheckConsistencyProof(proof, f.At(5), other).message().find("consistency proof rejected"),
      std::string::npos);
}

TEST(AuditTest, NamesRewritesAndTruncations) {
  Fixture f;
  std::vector<Checkpoint> signed_checkpoints = {f.At(15), f.At(5), f.At(10)};
  JournalAudit intact = AuditJournal(f.log, signed_checkpoints);
  EXPECT_EQ(intact.finding, JournalAudit::Finding::kConsistent);
  EXPECT_EQ(intact.intact_through, 15u);

  // Entry seq 8 rewritten, everything after recomputed: the checkpoints of 10 and 15 fail.
  std::vector<Hash256> rewritten = f.leaves;
  rewritten[7] = HashLeaf("rewritten");
  JournalAudit audit = AuditJournal(MerkleLog::FromLeafHashes(rewritten), signed_checkpoints);
  EXPECT_EQ(audit.finding, JournalAudit::Finding::kRewritten);
  EXPECT_EQ(audit.checkpoint_size, 10u);
  EXPECT_EQ(audit.intact_through, 5u);
  EXPECT_EQ(audit.message.rfind("the journal was rewritten at or before seq 10:", 0), 0u)
      << audit.message;
  EXPECT_NE(audit.message.find("its first 5 entries match"), std::string::npos) << audit.message;

  JournalAudit truncated =
      AuditJournal(MerkleLog::FromLeafHashes(std::span(f.leaves).first(12)), signed_checkpoints);
  EXPECT_EQ(truncated.finding, JournalAudit::Finding::kTruncated);
  EXPECT_EQ(
      truncated.message.rfind("truncated: the checkpoint covers 15 entries, the journal has 12", 0),
      0u)
      << truncated.message;
  EXPECT_EQ(truncated.intact_through, 10u);

  // Truncated and then extended with other entries: a rewrite at or before the checkpoint's size.
  std::vector<Hash256> regrown(f.leaves.begin(), f.leaves.begin() + 12);
  for (const Hash256& leaf : Leaves(8, "regrown")) regrown.push_back(leaf);
  JournalAudit regrown_audit = AuditJournal(MerkleLog::FromLeafHashes(regrown), signed_checkpoints);
  EXPECT_EQ(regrown_audit.finding, JournalAudit::Finding::kRewritten);
  EXPECT_EQ(regrown_audit.checkpoint_size, 15u);
}

}  // namespace
}  // namespace twoline::proof
