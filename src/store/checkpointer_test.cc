// Background checkpoints: a tree head is signed only once its size is durable, with the root the
// stored leaf hashes give; the writer takes them as it commits, and never signs entries that a
// failed commit lost.
#include "store/checkpointer.h"

#include "proof/checkpoint.h"
#include "service_test_util.h"
#include "store/memory_store.h"
#include "store/stored_tree.h"
#include "store/writer.h"

namespace twoline::store {
namespace {

struct Keys {
  Keys() : signer(std::make_shared<proof::NoteSigner>(*proof::GenerateNoteSigner("test/hengqin"))) {
    verifiers.push_back(proof::VerifierOf(*signer));
  }
  std::shared_ptr<const proof::NoteSigner> signer;
  std::vector<proof::NoteVerifier> verifiers;
};

// A chain of hengqin with a few decided commands.
journal::Chain DecidedChain(size_t commands) {
  journal::Chain chain;
  chain.PutProfileInForce(testing::BuiltinProfile("hengqin"));
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 40, 5);
  for (size_t i = 0; i < commands && i < day.size(); ++i) chain.Submit(testing::ParseOrDie(day[i]));
  return chain;
}

TEST(Checkpointer, AHeadIsSignedOnlyOnceItsSizeIsDurable) {
  Keys keys;
  journal::Chain chain = DecidedChain(20);
  const uint64_t size = chain.entries();
  CheckpointPolicy policy{keys.signer, std::chrono::seconds(0), 1};
  std::vector<std::string> logged;
  {
    MemoryStore store;
    Checkpointer checkpointer(store, policy,
                              [&](const std::string& line) { logged.push_back(line); });
    ASSERT_TRUE(checkpointer.MaybeTake("hengqin", chain));
    EXPECT_FALSE(checkpointer.MaybeTake("hengqin", chain)) << "nothing new since the last head";
    checkpointer.Committed("hengqin", size - 1);
    checkpointer.Stop();
    EXPECT_EQ(checkpointer.signed_total(), 0u);
    auto latest = store.LatestCheckpoint("hengqin");
    ASSERT_TRUE(latest.ok());
    EXPECT_FALSE(latest->has_value()) << "a head beyond the durable journal was signed";
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_NE(logged[0].find("not durable"), std::string::npos) << logged[0];
  }
  MemoryStore store;
  Checkpointer checkpointer(store, policy, nullptr);
  ASSERT_TRUE(checkpointer.MaybeTake("hengqin", chain));
  checkpointer.Committed("hengqin", size);
  checkpointer.Stop();
  EXPECT_EQ(checkpointer.signed_total(), 1u);
  auto latest = store.LatestCheckpoint("hengqin");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->size, size);
  auto opened = proof::OpenCheckpoint((*latest)->note, keys.verifiers, "twoline/hengqin");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->checkpoint.size, size);
  EXPECT_EQ(opened->checkpoint.root, chain.frontier().Root());
}

TEST(Checkpointer, ZonesAreDueByCount) {
  Keys keys;
  MemoryStore store;
  // The latest kept checkpoint counts as the last one taken.
  ASSERT_TRUE(store.WriteCheckpoint(CheckpointRecord{"hengqin", 15, "kept", "t"}).ok());
  Checkpointer checkpointer(store, CheckpointPolicy{keys.signer, std::chrono::seconds(0), 10},
                            nullptr);
  EXPECT_FALSE(checkpointer.MaybeTake("hengqin", DecidedChain(20)));  // 21 entries: 6 after 15
  EXPECT_TRUE(checkpointer.MaybeTake("hengqin", DecidedChain(30)));   // 31: 16 after 15
  EXPECT_FALSE(checkpointer.MaybeTake("hengqin", DecidedChain(35)));  // 36: 5 after 31
}

class WriterCheckpoints : public ::testing::Test {
 protected:
  std::unique_ptr<Writer> Start(const WriterOptions& options) {
    auto zones = ZoneSet::Load(store_, true, nullptr);
    EXPECT_TRUE(zones.ok());
    testing::PutInForce(**zones, store_, {"hengqin"});
    return std::make_unique<Writer>(store_, std::move(*zones), options);
  }
  SubmitRequest Request(size_t first, size_t count) {
    SubmitRequest request;
    request.zone = "hengqin";
    for (size_t i = first; i < first + count; ++i)
      request.commands.push_back(testing::ParseOrDie(day_.at(i)));
    return request;
  }
  uint64_t StoredEntries() {
    auto zones = store_.Zones();
    return zones.ok() && !zones->empty() ? zones->front().entries : 0;
  }
  MemoryStore store_;
  std::vector<std::string> day_ = testing::SimulatedDay("hengqin", 80, 21);
  Keys keys_;
};

TEST_F(WriterCheckpoints, TheWriterSignsTheRootOfTheStoredEntries) {
  WriterOptions options;
  options.checkpoints = CheckpointPolicy{keys_.signer, std::chrono::seconds(0), 25};
  auto writer = Start(options);
  for (size_t first = 0; first < 200; first += 10) {
    ASSERT_EQ(writer->Submit(Request(first, 10)).get().status, SubmitStatus::kDecided);
  }
  writer->Stop();
  EXPECT_GE(writer->checkpointer()->signed_total(), 2u);
  EXPECT_EQ(writer->checkpointer()->failed_total(), 0u);
  auto latest = store_.LatestCheckpoint("hengqin");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  auto opened = proof::OpenCheckpoint((*latest)->note, keys_.verifiers, "twoline/hengqin");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_LE(opened->checkpoint.size, StoredEntries());
  EXPECT_GT(opened->checkpoint.size, StoredEntries() - 25);
  StoredTree tree(store_);
  auto root = tree.RootAt("hengqin", opened->checkpoint.size);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(opened->checkpoint.root, *root);
}

TEST_F(WriterCheckpoints, EntriesAFailedCommitLostAreNeverSigned) {
  WriterOptions options;
  options.checkpoints = CheckpointPolicy{keys_.signer, std::chrono::seconds(0), 1};
  auto writer = Start(options);
  ASSERT_EQ(writer->Submit(Request(0, 5)).get().status, SubmitStatus::kDecided);
  store_.InjectAppendFailures(1000);
  for (size_t first = 5; first < 30; first += 5) (void)writer->Submit(Request(first, 5)).get();
  writer->Stop();
  auto latest = store_.LatestCheckpoint("hengqin");
  ASSERT_TRUE(latest.ok());
  if (latest->has_value()) {
    EXPECT_LE((*latest)->size, StoredEntries())
        << "a checkpoint of entries that were never durable";
  }
}

}  // namespace
}  // namespace twoline::store
