// Snapshots and the state hash: the golden state hash of a fixed scenario (so that an accidental
// change of the state encoding is caught), and snapshots that are torn, corrupted or lying about
// their state are refused with a reason (journal/snapshot.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "base/binary.h"
#include "journal/chain.h"
#include "journal/snapshot.h"
#include "policy/profile_loader.h"
#include "service_test_util.h"

namespace twoline {
namespace {

// Runs the commands of a scenario file (the "> " lines) into a chain; `before` (optional) is
// called with the chain and the command's number before each command.
journal::Chain RunScenario(const std::string& name,
                           const std::function<void(journal::Chain&, size_t)>& before = nullptr) {
  std::ifstream in(std::string(TWOLINE_SOURCE_DIR) + "/tests/scenarios/" + name);
  journal::Chain chain;
  std::string line;
  engine::Limits limits;
  size_t commands = 0;
  while (std::getline(in, line)) {
    if (line.rfind("zone ", 0) == 0) {
      auto profile = policy::LoadBuiltinProfile(line.substr(5));
      EXPECT_TRUE(profile.ok());
      chain.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
    } else if (line.rfind("> ", 0) == 0) {
      engine::Command command;
      engine::ParseFailure failure;
      if (!engine::ParseCommand(line.substr(2), limits, &command, &failure)) continue;
      if (before) before(chain, commands++);
      chain.Submit(command);
    }
  }
  return chain;
}

// Pinned: if this changes, the state encoding (engine/snapshot.cc, SaveStatePart) or a decision
// changed. A deliberate change bumps kStateHashVersion and updates the value here, saying why in
// the commit.
TEST(StateHash, GoldenStateHashOfTheNanshaProcessingScenario) {
  journal::Chain chain = RunScenario("goods-nansha-processing-and-transfers.scenario");
  EXPECT_EQ(ToHex(chain.engine().StateHash()),
            "11a1f11437b65c92943fccdf8a5a2dfb2142b6ac51ba480557226f0c38ec2887");
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
            "11a1f11437b65c92943fccdf8a5a2dfb2142b6ac51ba480557226f0c38ec2887");
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

// A shared image (a snapshot's child reading a copy-on-write image: the decided ids kept in a side
// table, then merged back) changes nothing: for every scenario, with the image shared for a few
// commands at a time, the state hash and the snapshot's bytes are those of a plain run, and every
// command already decided is recognised as such.
TEST(Snapshot, AnImageSharedNowAndThenChangesNeitherStateNorSnapshot) {
  size_t scenarios = 0;
  for (const auto& file : std::filesystem::directory_iterator(std::string(TWOLINE_SOURCE_DIR) +
                                                              "/tests/scenarios")) {
    if (file.path().extension() != ".scenario") continue;
    const std::string name = file.path().filename().string();
    journal::Chain plain = RunScenario(name);
    journal::Chain shared = RunScenario(name, [](journal::Chain& chain, size_t n) {
      if (n % 7 == 2) chain.SetImageShared(true);
      if (n % 7 == 5) chain.SetImageShared(false);
    });
    EXPECT_EQ(shared.engine().StateHash(), plain.engine().StateHash()) << name;
    EXPECT_EQ(journal::EncodeSnapshot(shared), journal::EncodeSnapshot(plain)) << name;
    EXPECT_EQ(shared.engine().state().decided.size(), plain.engine().state().decided.size()) << name;
    ++scenarios;
  }
  EXPECT_GT(scenarios, 10u);
  // Ids decided while the image was shared are duplicates afterwards, and before the merge ends.
  journal::Chain chain;
  auto profile = policy::LoadBuiltinProfile("hengqin");
  ASSERT_TRUE(profile.ok());
  chain.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
  std::vector<std::string> day = testing::SimulatedDay("hengqin", 200, 5);
  engine::Limits limits;
  std::vector<engine::Command> commands;
  for (const std::string& line : day) {
    engine::Command command;
    engine::ParseFailure failure;
    ASSERT_TRUE(engine::ParseCommand(line, limits, &command, &failure)) << line;
    commands.push_back(std::move(command));
  }
  ASSERT_GT(commands.size(), 300u);
  for (size_t i = 0; i < commands.size(); ++i) {
    if (i == 100) chain.SetImageShared(true);
    if (i + 2 == commands.size()) chain.SetImageShared(false);  // two inserts merge 128 slots
    chain.Submit(commands[i]);
  }
  EXPECT_GT(chain.engine().state().decided.side_table_size(), 0u) << "merging";
  for (size_t i = 0; i < commands.size(); i += 3) {
    journal::Chain::Submitted again = chain.Submit(commands[i]);
    if (again.decision.outcome == engine::Outcome::kInvalid) continue;  // never journaled
    EXPECT_NE(again.decision.duplicate_of, 0u) << commands[i].id;
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

// A decoder refuses a record count that the bytes left could not hold, so its bound on a record's
// size must be the smallest encoding: short ids, names and document numbers (a travel permit "H1")
// must restore. Many records of each kind, each as short as the commands allow.
TEST(Snapshot, TheShortestRecordsRestore) {
  journal::Chain chain;
  auto profile = policy::LoadBuiltinProfile("hengqin");
  ASSERT_TRUE(profile.ok());
  chain.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
  engine::Limits limits;
  auto submit = [&](const std::string& line) {
    engine::Command command;
    engine::ParseFailure failure;
    ASSERT_TRUE(engine::ParseCommand(line, limits, &command, &failure)) << line;
    ASSERT_EQ(chain.Submit(command).decision.outcome, engine::Outcome::kAccepted) << line;
  };
  const std::string at = R"(,"zone":"hengqin","at":"2026-03-02T08:00:00+08:00",)";
  for (int i = 0; i < 400; ++i) {
    const std::string n = std::to_string(i);
    submit(R"({"id":"p)" + n + '"' + at + R"("type":"register_party","party":{"id":")" + n +
           R"(","name":"N","kind":"enterprise","credit":"general","lists":[]}})");
    submit(R"({"id":"t)" + n + '"' + at + R"("type":"register_person","person":{"id":")" + n +
           R"(","name":"T","nationality":"CN","resident_of":"MO","birth_date":"1980-01-01",)" +
           R"("documents":[{"type":"home_return_permit","number":"H1","valid_from":"2019-01-01",)" +
           R"("valid_until":"2029-01-01"},{"type":"passport","number":"E)" + n +
           R"(","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}})");
  }
  // Stocktakes come last in their section: a stocktake counting nothing is its shortest record.
  for (int i = 0; i < 100; ++i) {
    submit(R"({"id":"k)" + std::to_string(i) + '"' + at +
           R"("type":"stocktake","party":"1","counts":[]})");
  }
  std::string bytes = journal::EncodeSnapshot(chain);
  journal::Chain restored;
  journal::SnapshotHeader header;
  Status loaded = journal::LoadSnapshot(bytes, &restored, &header);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
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
// the engine that wrote it, writes back to the same bytes, and passes the encoding check; so does
// every scenario's. The hash SaveSnapshot takes from the bytes it wrote is the state hash.
TEST(Snapshot, EngineBodyLoadsTheSameOnOneAndTwoThreads) {
  size_t scenarios = 0;
  for (const auto& file : std::filesystem::directory_iterator(std::string(TWOLINE_SOURCE_DIR) +
                                                              "/tests/scenarios")) {
    if (file.path().extension() != ".scenario") continue;
    journal::Chain chain = RunScenario(file.path().filename().string());
    std::string body;
    BinaryWriter out(&body);
    Hash256 written{};
    chain.engine().SaveSnapshot(out, &written);
    const Hash256 expected = chain.engine().StateHash();
    EXPECT_EQ(written, expected) << file.path().filename();
    for (int threads : {1, 2}) {
      engine::Engine restored;
      BinaryReader in(body);
      Hash256 hash{};
      Status loaded = restored.LoadSnapshot(in, threads, &hash, /*check_encoding=*/true);
      ASSERT_TRUE(loaded.ok()) << file.path().filename() << ": " << loaded.message();
      EXPECT_EQ(hash, expected) << file.path().filename() << " on " << threads << " threads";
      EXPECT_EQ(restored.StateHash(), expected) << file.path().filename();
      EXPECT_EQ(restored.last_seq(), chain.engine().last_seq());
      std::string again;
      BinaryWriter again_out(&again);
      restored.SaveSnapshot(again_out);
      EXPECT_EQ(again, body) << file.path().filename();
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
  for (int i = 0; i < 5; ++i) {
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

// Where each section of an engine body starts (the profiles, then the four parts).
std::vector<size_t> SectionOffsets(const std::string& body) {
  std::vector<size_t> offsets;
  size_t at = 8 + 8 * 5;
  for (size_t i = 0; i < 5; ++i) {
    offsets.push_back(at);
    BinaryReader in(std::string_view(body).substr(8 + 8 * i, 8));
    at += in.U64();
  }
  return offsets;
}

// Loads an edited body on one thread and on two: refused, the error naming `what`.
void ExpectRefused(const std::string& edited, const std::string& what) {
  for (int threads : {1, 2}) {
    engine::Engine restored;
    BinaryReader in(edited);
    Status status = restored.LoadSnapshot(in, threads);
    ASSERT_FALSE(status.ok()) << what << " on " << threads << " threads";
    EXPECT_NE(status.message().find("malformed " + what), std::string::npos) << status.message();
    EXPECT_EQ(restored.last_seq(), 0u);
  }
}

// The state hash is the hash of the bytes a load accepts, so the decoder accepts one encoding of
// each state. Each edit below would decode to a state that writes back to other bytes, and is
// refused (the reader's own rules: src/base/binary_test.cc).
TEST(Snapshot, ABodyInAnythingButItsOneEncodingIsRefused) {
  journal::Chain goods = RunScenario("goods-nansha-processing-and-transfers.scenario");
  std::string body;
  BinaryWriter out(&body);
  goods.engine().SaveSnapshot(out);
  std::vector<size_t> at = SectionOffsets(body);
  {
    // The first two decided ids swapped (a count, then 32 bytes each): out of seq order.
    std::string edited = body;
    const size_t first = at[2] + 8;
    const std::string a = edited.substr(first, 32);
    edited.replace(first, 32, edited.substr(first + 32, 32));
    edited.replace(first + 32, 32, a);
    ExpectRefused(edited, "decided ids");
  }
  journal::Chain persons = RunScenario("persons-hengqin-presence.scenario");
  std::string person_body;
  BinaryWriter person_out(&person_body);
  persons.engine().SaveSnapshot(person_out);
  at = SectionOffsets(person_body);
  {
    // The first person's `inside` made 2 (a bool is 0 or 1). Walk the registries to it: the list
    // ids, the parties, then the person's fields before it.
    BinaryReader walk(std::string_view(person_body).substr(at[1]));
    for (uint64_t n = walk.U64(), i = 0; i < n; ++i) {
      walk.View();
      walk.U8();
    }
    for (uint64_t n = walk.U64(), i = 0; i < n; ++i) {
      walk.View();
      walk.View();
      walk.U8();
      walk.U8();
      walk.U64();
    }
    ASSERT_GE(walk.U64(), 1u);
    walk.View();  // id
    walk.View();  // name
    char codes[4];
    walk.Raw(codes, 4);  // nationality, resident_of
    walk.I64();          // birth_date
    walk.View();         // affiliation
    walk.U32();          // first_document
    walk.U32();          // document_count
    ASSERT_TRUE(walk.ok());
    const size_t inside_at = at[1] + walk.position();
    ASSERT_LE(static_cast<uint8_t>(person_body[inside_at]), 1u);
    std::string edited = person_body;
    edited[inside_at] = 2;
    ExpectRefused(edited, "registries");
    // The other valid bool loads (the position is that of a bool), to a state of other bytes.
    edited[inside_at] = static_cast<char>(person_body[inside_at] ^ 1);
    engine::Engine restored;
    BinaryReader in(edited);
    Hash256 hash{};
    ASSERT_TRUE(restored.LoadSnapshot(in, 1, &hash, /*check_encoding=*/true).ok());
    EXPECT_NE(hash, persons.engine().StateHash());
    EXPECT_EQ(restored.state().persons[0].inside, !persons.engine().state().persons[0].inside);
  }
  // A NUL inside an affiliation: the engine keeps affiliations interned as C strings, so it would
  // be cut short there (a fuzzer found this one).
  journal::Chain lanes = RunScenario("persons-hetao-sz-lanes.scenario");
  std::string lanes_body;
  BinaryWriter lanes_out(&lanes_body);
  lanes.engine().SaveSnapshot(lanes_out);
  const size_t affiliation = lanes_body.find("Hetao research institute");
  ASSERT_NE(affiliation, std::string::npos);
  std::string edited = lanes_body;
  edited[affiliation + 5] = '\0';
  ExpectRefused(edited, "registries");
}

// A restored engine keeps its declarations as their saved bytes, checked when loaded and decoded
// when first used (engine/goods_state.h): after a load none is decoded; iterating decodes none for
// good; a lookup decodes one; and the state hash and the snapshot's bytes are the same whatever was
// decoded. (A declaration a later command changes is saved from its record: tests/scenario_test.cc
// replays every scenario's commands after a restore and compares with a full replay.)
TEST(Snapshot, RestoredDeclarationsAreDecodedWhenFirstUsed) {
  journal::Chain chain = RunScenario("goods-nansha-processing-and-transfers.scenario");
  std::string body;
  BinaryWriter out(&body);
  chain.engine().SaveSnapshot(out);
  const engine::DeclarationTable& original = chain.engine().state().goods.declarations;
  ASSERT_GE(original.size(), 3u);
  engine::Engine restored;
  BinaryReader in(body);
  ASSERT_TRUE(restored.LoadSnapshot(in).ok());
  const engine::DeclarationTable& table = restored.state().goods.declarations;
  EXPECT_EQ(table.size(), original.size());
  EXPECT_EQ(table.saved_only(), table.size());
  std::vector<std::string> keys;
  table.ForEachKey([&](const std::string& key) { keys.push_back(key); });
  // Iterating every declaration (a report) decodes each for the call only.
  size_t seen = 0;
  table.ForEach([&](const std::string& key, const engine::DeclarationRecord& record) {
    EXPECT_EQ(record.id, key);
    const engine::DeclarationRecord* before = original.Find(key);
    ASSERT_NE(before, nullptr);
    EXPECT_EQ(record.declarant, before->declarant);
    EXPECT_EQ(record.lines.size(), before->lines.size());
    EXPECT_EQ(record.events.size(), before->events.size());
    ++seen;
  });
  EXPECT_EQ(seen, original.size());
  EXPECT_EQ(table.saved_only(), table.size());
  const engine::DeclarationRecord* first = table.Find(keys.front());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->id, keys.front());
  EXPECT_EQ(table.saved_only(), table.size() - 1);
  EXPECT_EQ(table.Find("no-such-declaration"), nullptr);
  EXPECT_EQ(restored.StateHash(), chain.engine().StateHash());
  std::string again;
  BinaryWriter again_out(&again);
  restored.SaveSnapshot(again_out);
  EXPECT_EQ(again, body);
  // A copy of the engine holds its own decoded records and the same bytes.
  engine::Engine copy = restored;
  EXPECT_EQ(copy.StateHash(), chain.engine().StateHash());
  EXPECT_EQ(copy.state().goods.declarations.saved_only(), table.size() - 1);
}

// Every declaration that a load accepts can be decoded later: the check made at load accepts
// exactly what the decoder accepts. Each byte of the declarations, set to values a corruption or a
// forger might choose, either is refused at load or loads, decodes (an audit's load decodes every
// declaration, which stops the process if the two disagree) and writes back to the same bytes.
TEST(Snapshot, EveryEditOfASavedDeclarationIsRefusedOrDecodes) {
  journal::Chain chain = RunScenario("goods-nansha-processing-and-transfers.scenario");
  std::string body;
  BinaryWriter out(&body);
  chain.engine().SaveSnapshot(out);
  const std::vector<size_t> at = SectionOffsets(body);
  const size_t records = at[4];
  size_t refused = 0, loaded = 0;
  // The declarations come first in their section (after their count): the first two of them, every
  // field of a declaration being in each (a load of the whole engine per edit takes a millisecond).
  const size_t end = std::min(body.size(), records + 8 + 1200);
  for (size_t position = records; position < end; ++position) {
    const char saved = body[position];
    for (int value : {0, 1, 2, 0xff, (saved ^ 1) & 0xff}) {
      if (static_cast<char>(value) == saved) continue;
      std::string edited = body;
      edited[position] = static_cast<char>(value);
      engine::Engine restored;
      BinaryReader in(edited);
      Status status = restored.LoadSnapshot(in, 1, nullptr, /*check_encoding=*/true);
      if (!status.ok()) {
        ++refused;
        continue;
      }
      ++loaded;
      std::string again;
      BinaryWriter again_out(&again);
      restored.SaveSnapshot(again_out);
      ASSERT_EQ(again, edited) << "byte " << position - records << " set to " << value;
    }
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(loaded, 0u);
}

}  // namespace
}  // namespace twoline
