// Snapshots and the state hash: the golden state hash of a fixed scenario (so that an accidental
// change of the state encoding is caught), and snapshots that are torn, corrupted or lying about
// their state are refused with a reason (journal/snapshot.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/binary.h"
#include "journal/chain.h"
#include "journal/snapshot.h"
#include "policy/profile_loader.h"
#include "service_test_util.h"

namespace twoline {
namespace {

// Runs the commands of a scenario file (the "> " lines) into a chain.
journal::Chain RunScenario(const std::string& name) {
  std::ifstream in(std::string(TWOLINE_SOURCE_DIR) + "/tests/scenarios/" + name);
  journal::Chain chain;
  std::string line;
  engine::Limits limits;
  while (std::getline(in, line)) {
    if (line.rfind("zone ", 0) == 0) {
      auto profile = policy::LoadBuiltinProfile(line.substr(5));
      EXPECT_TRUE(profile.ok());
      chain.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
    } else if (line.rfind("> ", 0) == 0) {
      engine::Command command;
      engine::ParseFailure failure;
      if (engine::ParseCommand(line.substr(2), limits, &command, &failure)) chain.Submit(command);
    }
  }
  return chain;
}

// Pinned: if this changes, the state encoding (engine/state_hash.cc) or a decision changed. A
// deliberate change bumps kStateHashVersion and updates the value here, saying why in the commit.
TEST(StateHash, GoldenStateHashOfTheNanshaProcessingScenario) {
  journal::Chain chain = RunScenario("goods-nansha-processing-and-transfers.scenario");
  EXPECT_EQ(ToHex(chain.engine().StateHash()),
            "b9ca1872b8169aed5075828afcbde385169518632439a67393a6288b772f528b");
}

// The state hash taken on two threads is the one taken on one, for every scenario (goods, persons,
// processing, stocktakes).
TEST(StateHash, TwoThreadsGiveTheSameHashAsOne) {
  size_t scenarios = 0;
  for (const auto& file : std::filesystem::directory_iterator(std::string(TWOLINE_SOURCE_DIR) +
                                                              "/tests/scenarios")) {
    if (file.path().extension() != ".scenario") continue;
    journal::Chain chain = RunScenario(file.path().filename().string());
    EXPECT_EQ(chain.engine().StateHash(2, /*parallel_from=*/0), chain.engine().StateHash(1))
        << file.path().filename();
    ++scenarios;
  }
  EXPECT_GT(scenarios, 10u);
  journal::Chain golden = RunScenario("goods-nansha-processing-and-transfers.scenario");
  EXPECT_EQ(ToHex(golden.engine().StateHash(2, 0)),
            "b9ca1872b8169aed5075828afcbde385169518632439a67393a6288b772f528b");
}

// `run` encodes its snapshot with the state hash taken on a second thread: the same bytes.
// A state of many megabytes (a simulated day): the two-thread hash, each part streamed in many
// pieces, gets the one-thread hash; and a snapshot of it, decoded and hashed on two threads, too.
TEST(StateHash, ALargeStateHashesTheSameOnOneAndTwoThreads) {
  journal::Chain chain;
  auto profile = policy::LoadBuiltinProfile("hengqin");
  ASSERT_TRUE(profile.ok());
  chain.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
  engine::Limits limits;
  for (const std::string& line : testing::SimulatedDay("hengqin", 12000, 11)) {
    engine::Command command;
    engine::ParseFailure failure;
    if (engine::ParseCommand(line, limits, &command, &failure)) chain.Submit(command);
  }
  ASSERT_GT(chain.entries(), 10000u);
  const Hash256 one = chain.engine().StateHash(1);
  EXPECT_EQ(chain.engine().StateHash(2, 0), one);
  std::string bytes = journal::EncodeSnapshot(chain, 2);
  EXPECT_GT(bytes.size(), 4u << 20) << "many pieces of 64 KiB";
  journal::Chain restored;
  ASSERT_TRUE(journal::LoadSnapshot(bytes, &restored, nullptr).ok());
  EXPECT_EQ(restored.engine().StateHash(1), one);
}

// Decided ids are hashed in seq order, placed by seq when seqs are dense and sorted when they are
// not (a journal of many profile changes and few commands): both give the same hash on one and two
// threads, and a snapshot of either restores to it.
TEST(StateHash, SparseSeqsHashAndRestoreAsDenseOnes) {
  auto profile = policy::LoadBuiltinProfile("hengqin");
  ASSERT_TRUE(profile.ok());
  auto shared = std::make_shared<policy::Profile>(*profile);
  for (int profiles : {1, 1400}) {
    journal::Chain chain;
    for (int i = 0; i < profiles; ++i) chain.PutProfileInForce(shared);
    engine::Limits limits;
    for (const std::string& line : testing::SimulatedDay("hengqin", 12, 5)) {
      engine::Command command;
      engine::ParseFailure failure;
      if (engine::ParseCommand(line, limits, &command, &failure)) chain.Submit(command);
    }
    const size_t decided = chain.engine().state().decided.size();
    ASSERT_GT(decided, 20u);
    EXPECT_EQ(chain.entries() > 4 * decided + 1024, profiles > 1) << "sparse as meant";
    const Hash256 one = chain.engine().StateHash(1);
    EXPECT_EQ(chain.engine().StateHash(2, 0), one) << profiles << " profiles";
    journal::Chain restored;
    ASSERT_TRUE(journal::LoadSnapshot(journal::EncodeSnapshot(chain), &restored, nullptr).ok())
        << profiles << " profiles";
    EXPECT_EQ(restored.engine().StateHash(2, 0), one) << profiles << " profiles";
  }
}

TEST(Snapshot, EncodingOnTwoThreadsGivesTheSameBytes) {
  journal::Chain chain = RunScenario("goods-nansha-processing-and-transfers.scenario");
  EXPECT_EQ(journal::EncodeSnapshot(chain, 2), journal::EncodeSnapshot(chain, 1));
}

TEST(Snapshot, RoundTripKeepsStateHashAndHead) {
  journal::Chain chain = RunScenario("goods-hengqin-basics.scenario");
  std::string bytes = journal::EncodeSnapshot(chain);
  journal::Chain restored;
  journal::SnapshotHeader header;
  ASSERT_TRUE(journal::LoadSnapshot(bytes, &restored, &header).ok());
  EXPECT_EQ(header.zone, "hengqin");
  EXPECT_EQ(header.seq, chain.entries());
  EXPECT_EQ(restored.head(), chain.head());
  EXPECT_EQ(restored.engine().StateHash(), chain.engine().StateHash());
}

TEST(Snapshot, TornSnapshotIsRefused) {
  journal::Chain chain = RunScenario("goods-hengqin-basics.scenario");
  std::string bytes = journal::EncodeSnapshot(chain);
  for (size_t keep : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    journal::Chain restored;
    Status status = journal::LoadSnapshot(bytes.substr(0, keep), &restored, nullptr);
    EXPECT_FALSE(status.ok()) << keep;
    EXPECT_EQ(restored.entries(), 0u);
  }
}

TEST(Snapshot, EveryFlippedByteIsRefused) {
  journal::Chain chain = RunScenario("persons-example1.scenario");
  std::string bytes = journal::EncodeSnapshot(chain);
  for (size_t i = 0; i < bytes.size(); i += std::max<size_t>(1, bytes.size() / 500)) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x20);
    journal::Chain restored;
    EXPECT_FALSE(journal::LoadSnapshot(corrupt, &restored, nullptr).ok()) << "byte " << i;
  }
}

TEST(Snapshot, ConsistentChecksumButWrongStateHashIsRefused) {
  // A snapshot whose container is intact but whose recorded state hash is not the state's (a
  // writer bug, or a forgery that recomputed the checksum) is refused: the hash is recomputed.
  journal::Chain chain = RunScenario("goods-hengqin-basics.scenario");
  std::string bytes = journal::EncodeSnapshot(chain);
  bytes[60] = static_cast<char>(bytes[60] ^ 1);  // the state hash field
  const size_t content = bytes.size() - journal::kSnapshotChecksumBytes;
  bytes.replace(content, journal::kSnapshotChecksumBytes,
                journal::SnapshotChecksum(std::string_view(bytes).substr(0, content)));
  journal::Chain restored;
  Status status = journal::LoadSnapshot(bytes, &restored, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("state hash"), std::string::npos) << status.message();
}

// The engine body on its own, decoded on one thread and on two, gives the same state and hash as
// the engine that wrote it; so does every scenario's.
TEST(Snapshot, EngineBodyLoadsTheSameOnOneAndTwoThreads) {
  size_t scenarios = 0;
  for (const auto& file : std::filesystem::directory_iterator(std::string(TWOLINE_SOURCE_DIR) +
                                                              "/tests/scenarios")) {
    if (file.path().extension() != ".scenario") continue;
    journal::Chain chain = RunScenario(file.path().filename().string());
    std::string body;
    BinaryWriter out(&body);
    chain.engine().SaveSnapshot(out);
    const Hash256 expected = chain.engine().StateHash();
    for (int threads : {1, 2}) {
      engine::Engine restored;
      BinaryReader in(body);
      Hash256 hash{};
      ASSERT_TRUE(restored.LoadSnapshot(in, threads, &hash).ok()) << file.path().filename();
      EXPECT_EQ(hash, expected) << file.path().filename() << " on " << threads << " threads";
      EXPECT_EQ(restored.StateHash(), expected) << file.path().filename();
      EXPECT_EQ(restored.last_seq(), chain.engine().last_seq());
    }
    ++scenarios;
  }
  EXPECT_GT(scenarios, 10u);
}

// Section lengths that do not add up to the body, or that cut the sections in the wrong places,
// are refused as malformed (never a crash), on one thread and on two.
TEST(Snapshot, WrongSectionLengthsAreRefused) {
  journal::Chain chain = RunScenario("goods-nansha-processing-and-transfers.scenario");
  std::string body;
  BinaryWriter out(&body);
  chain.engine().SaveSnapshot(out);
  auto length = [&](int i) {
    BinaryReader in(std::string_view(body).substr(8 + 8 * static_cast<size_t>(i), 8));
    return in.U64();
  };
  auto with = [&](int i, uint64_t value) {
    std::string edited = body;
    std::string bytes;
    BinaryWriter(&bytes).U64(value);
    edited.replace(8 + 8 * static_cast<size_t>(i), 8, bytes);
    return edited;
  };
  std::vector<std::string> cases;
  for (int i = 0; i < 4; ++i) {
    cases.push_back(with(i, length(i) + 1));
    cases.push_back(with(i, length(i) - 1));
    cases.push_back(with(i, uint64_t{1} << 62));
  }
  // Moving the boundary between two sections keeps the total: each section then ends mid-record.
  std::string moved = with(0, length(0) - 8);
  std::string moved_both;
  BinaryWriter(&moved_both).U64(length(1) + 8);
  moved.replace(16, 8, moved_both);
  cases.push_back(moved);
  for (size_t k = 0; k < cases.size(); ++k) {
    for (int threads : {1, 2}) {
      engine::Engine restored;
      BinaryReader in(cases[k]);
      Hash256 hash{};
      Status status = restored.LoadSnapshot(in, threads, &hash);
      ASSERT_FALSE(status.ok()) << "case " << k;
      EXPECT_NE(status.message().find("malformed"), std::string::npos) << status.message();
      EXPECT_EQ(restored.last_seq(), 0u);
    }
  }
}

}  // namespace
}  // namespace twoline
