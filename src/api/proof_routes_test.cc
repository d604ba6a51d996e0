// The proof routes' rules without HTTP: who may have which proof (a declarant only its own
// commands' entries, by the server's stamp), the parameters refused, the default size, fresh and
// kept checkpoints; and receipts. Entries carrying the stamp are appended to a MemoryStore by hand.
#include "api/proof_routes.h"

#include <gtest/gtest.h>

#include "journal/entry.h"
#include "journal/merkle_leaf.h"
#include "proof/checkpoint.h"
#include "proof/proof_file.h"
#include "store/memory_store.h"

namespace twoline::api {
namespace {

// A command as the server stamps it when `role` (and `party`) submitted it; no stamp when role is
// "".
std::string StampedCommand(uint64_t n, const std::string& role, const std::string& party) {
  std::string command = R"({"at":"2026-03-02T08:00:00+08:00","id":"c-)" + std::to_string(n) + "\"";
  if (!role.empty()) {
    command +=
        R"(,"received":{"at":"2026-03-02T00:00:01Z","nonce":"00112233445566778899aabbccddeeff")";
    if (!party.empty()) command += R"(,"party":")" + party + "\"";
    command += R"(,"role":")" + role + R"(","token":"tok_0123456789ab"})";
  }
  return command + R"(,"type":"stocktake","zone":"hengqin"})";
}

class ProofRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // seq 1: P-A's (declarant); 2: P-B's; 3: an officer's; 4: unstamped (a CLI run); 5: P-A's.
    const std::pair<std::string, std::string> stamps[] = {{"declarant", "P-A"},
                                                          {"declarant", "P-B"},
                                                          {"officer", ""},
                                                          {"", ""},
                                                          {"declarant", "P-A"}};
    store::AppendBatch batch;
    Hash256 previous{};
    for (uint64_t seq = 1; seq <= 5; ++seq) {
      journal::Entry entry;
      entry.seq = seq;
      entry.prev = previous;
      entry.zone = "hengqin";
      entry.command = StampedCommand(seq, stamps[seq - 1].first, stamps[seq - 1].second);
      entry.decision =
          R"({"id":"c-)" + std::to_string(seq) + R"(","outcome":"accepted","reasons":[]})";
      journal::EntryHashes hashes = journal::HashEntry(entry);
      entry.hash = hashes.chain;
      previous = entry.hash;
      store::EntryRecord record{
          "hengqin",  seq, "c-" + std::to_string(seq), entry.hash, journal::EntryToJsonLine(entry),
          hashes.leaf};
      record.line.pop_back();
      batch.entries.push_back(record);
    }
    ASSERT_TRUE(store_.Append(batch).ok());
  }
  static Principal Of(Role role, const std::string& zone = "hengqin",
                      const std::string& party = "") {
    return Principal{"tok_test", role, zone, party};
  }
  store::MemoryStore store_;
  std::shared_ptr<const proof::NoteSigner> signer_ =
      std::make_shared<proof::NoteSigner>(*proof::GenerateNoteSigner("test/hengqin"));
};

TEST(EntrySubmittedByParty, OnlyADeclarantStampOfThatPartyMatches) {
  EXPECT_TRUE(EntrySubmittedByParty(StampedCommand(1, "declarant", "P-A"), "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty(StampedCommand(1, "declarant", "P-A"), "P-B"));
  EXPECT_FALSE(EntrySubmittedByParty(StampedCommand(1, "declarant", "P-A"), ""));
  EXPECT_FALSE(EntrySubmittedByParty(StampedCommand(1, "officer", "P-A"), "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty(StampedCommand(1, "admin", ""), "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty(StampedCommand(1, "", ""), "P-A"));
  // The party named inside the command's body is not the submitter.
  EXPECT_FALSE(EntrySubmittedByParty(R"({"id":"c","party":"P-A","type":"stocktake"})", "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty(R"({"received":{"role":"declarant"}})", "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty(R"({"received":{"role":"declarant","party":7}})", "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty(R"({"received":"declarant P-A"})", "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty(R"(["received"])", "P-A"));
  EXPECT_FALSE(EntrySubmittedByParty("not json", "P-A"));
}

TEST_F(ProofRoutesTest, ADeclarantGetsTheInclusionProofOfItsOwnEntriesOnly) {
  ProofRoutes routes(store_, nullptr);
  const Principal a = Of(Role::kDeclarant, "hengqin", "P-A");
  for (const char* seq : {"1", "5"}) {
    ProofReply own = routes.Inclusion(a, "hengqin", seq, std::nullopt);
    EXPECT_EQ(own.status, 200) << seq << ": " << own.body;
  }
  ProofReply refused = routes.Inclusion(a, "hengqin", "2", std::nullopt);
  EXPECT_EQ(refused.status, 403);
  for (const char* seq :
       {"3", "4", "6", "99999"}) {  // another role's, unstamped, and no entry at all
    ProofReply other = routes.Inclusion(a, "hengqin", seq, std::nullopt);
    EXPECT_EQ(other.status, 403) << seq;
    EXPECT_EQ(other.body, refused.body)
        << "the refusal must not tell whether seq " << seq << " exists";
  }
  EXPECT_EQ(
      routes.Inclusion(Of(Role::kDeclarant, "hengqin", "P-B"), "hengqin", "2", std::nullopt).status,
      200);
  // A declarant may have the tree heads it checks its proofs against.
  EXPECT_EQ(routes.Consistency(a, "hengqin", "2", "5").status, 200);
}

TEST_F(ProofRoutesTest, OfficersAndOtherZonesAreRefused) {
  ProofRoutes routes(store_, signer_);
  const Principal officer = Of(Role::kOfficer);
  EXPECT_EQ(routes.Checkpoint(officer, "hengqin").status, 403);
  EXPECT_EQ(routes.Inclusion(officer, "hengqin", "1", std::nullopt).status, 403);
  EXPECT_EQ(routes.Consistency(officer, "hengqin", "1", "5").status, 403);
  const Principal elsewhere = Of(Role::kAuditor, "qianhai");
  EXPECT_EQ(routes.Checkpoint(elsewhere, "hengqin").status, 403);
  EXPECT_EQ(routes.Inclusion(elsewhere, "hengqin", "1", std::nullopt).status, 403);
  EXPECT_EQ(
      routes.Inclusion(Of(Role::kDeclarant, "qianhai", "P-A"), "hengqin", "1", std::nullopt).status,
      403);
  EXPECT_EQ(routes.Inclusion(Of(Role::kAuditor), "hengqin", "1", std::nullopt).status, 200);
  EXPECT_EQ(routes.Inclusion(Of(Role::kAdmin, ""), "hengqin", "1", std::nullopt).status, 200);
}

TEST_F(ProofRoutesTest, BadParametersAre400AndChangeNothing) {
  ProofRoutes routes(store_, nullptr);
  const Principal auditor = Of(Role::kAuditor);
  using P = std::optional<std::string>;
  const std::vector<std::pair<P, P>> inclusion = {{std::nullopt, std::nullopt},
                                                  {"x", std::nullopt},
                                                  {"0", std::nullopt},
                                                  {"-1", std::nullopt},
                                                  {"1", "abc"},
                                                  {"1", "0"},
                                                  {"1", "6"},
                                                  {"4", "3"},
                                                  {"6", std::nullopt},
                                                  {"1e3", std::nullopt},
                                                  {"99999999999999999999", std::nullopt},
                                                  {" 1", std::nullopt}};
  for (const auto& [seq, size] : inclusion) {
    ProofReply reply = routes.Inclusion(auditor, "hengqin", seq, size);
    EXPECT_EQ(reply.status, 400) << seq.value_or("-") << " " << size.value_or("-") << ": "
                                 << reply.body;
    EXPECT_EQ(reply.error, "bad_request");
  }
  const std::vector<std::pair<P, P>> consistency = {{std::nullopt, "3"}, {"a", "3"}, {"0", "3"},
                                                    {"4", "3"},          {"1", "6"}, {"2", "x"}};
  for (const auto& [from, to] : consistency) {
    EXPECT_EQ(routes.Consistency(auditor, "hengqin", from, to).status, 400)
        << from.value_or("-") << " " << to.value_or("-");
  }
  auto latest = store_.LatestCheckpoint("hengqin");
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
}

TEST_F(ProofRoutesTest, ProofsAreAgainstTheLatestCheckpointUnlessASizeIsGiven) {
  ProofRoutes routes(store_, nullptr);
  const Principal auditor = Of(Role::kAuditor);
  EXPECT_EQ(routes.Checkpoint(auditor, "hengqin").status, 404) << "no key, none kept";
  auto whole = proof::ParseProofFile(routes.Inclusion(auditor, "hengqin", "2", std::nullopt).body);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(std::get<proof::InclusionProofFile>(*whole).tree_size, 5u)
      << "none kept: the whole journal";
  ASSERT_TRUE(
      store_.WriteCheckpoint(store::CheckpointRecord{"hengqin", 3, "a kept note\n", "t"}).ok());
  auto at_latest =
      proof::ParseProofFile(routes.Inclusion(auditor, "hengqin", "2", std::nullopt).body);
  ASSERT_TRUE(at_latest.ok());
  EXPECT_EQ(std::get<proof::InclusionProofFile>(*at_latest).tree_size, 3u);
  ProofReply after = routes.Inclusion(auditor, "hengqin", "4", std::nullopt);
  EXPECT_EQ(after.status, 400);
  EXPECT_NE(after.body.find("give size"), std::string::npos) << after.body;
  EXPECT_EQ(routes.Inclusion(auditor, "hengqin", "4", "5").status, 200);
  auto consistency =
      proof::ParseProofFile(routes.Consistency(auditor, "hengqin", "2", std::nullopt).body);
  ASSERT_TRUE(consistency.ok());
  EXPECT_EQ(std::get<proof::ConsistencyProofFile>(*consistency).to, 3u);
  ProofReply kept = routes.Checkpoint(auditor, "hengqin");
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.body, "a kept note\n");
  EXPECT_EQ(kept.content_type, "text/plain; charset=utf-8");
}

TEST_F(ProofRoutesTest, WithAKeyTheCheckpointIsOfTheCommittedJournalAndKept) {
  ProofRoutes routes(store_, signer_);
  const proof::NoteVerifier verifiers[] = {proof::VerifierOf(*signer_)};
  ProofReply fresh = routes.Checkpoint(Of(Role::kDeclarant, "hengqin", "P-A"), "hengqin");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  auto opened = proof::OpenCheckpoint(fresh.body, verifiers, "twoline/hengqin");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->checkpoint.size, 5u);
  auto leaves = store_.ReadLeafHashes("hengqin", 1, 10);
  ASSERT_TRUE(leaves.ok());
  EXPECT_EQ(opened->checkpoint.root, proof::MerkleLog::FromLeafHashes(*leaves).Root());
  auto latest = store_.LatestCheckpoint("hengqin");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->note, fresh.body) << "a checkpoint handed out is kept";
  // Asked again with no new entry: the same kept checkpoint.
  EXPECT_EQ(routes.Checkpoint(Of(Role::kAuditor), "hengqin").body, fresh.body);
  // An inclusion proof at that size checks against it.
  auto file = proof::ParseProofFile(
      routes.Inclusion(Of(Role::kAuditor), "hengqin", "3", std::nullopt).body);
  ASSERT_TRUE(file.ok());
  const auto& inclusion = std::get<proof::InclusionProofFile>(*file);
  auto leaf = journal::LeafOfJournalLine(inclusion.entry);
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(proof::CheckInclusionProof(
                  inclusion, proof::ProvenEntry{leaf->entry.seq, leaf->entry.zone, leaf->leaf_hash},
                  opened->checkpoint)
                  .ok());
}

TEST(Receipt, IsAppendedToTheAnswerObject) {
  Hash256 leaf = Sha256("leaf");
  EXPECT_EQ(WithReceipt(R"({"id":"c1","outcome":"accepted"})", 7, leaf, 9),
            R"({"id":"c1","outcome":"accepted","receipt":{"seq":7,"leaf_hash":")" + ToHex(leaf) +
                R"(","tree_size":9}})");
}

}  // namespace
}  // namespace twoline::api
