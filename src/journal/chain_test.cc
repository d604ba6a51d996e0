// The chain's Merkle frontier: maintained as entries are appended or replayed, it gives at every
// size the RFC 9162 root of the entries so far, recomputed here from the journal lines alone; and a
// snapshot carries it, so that snapshot + tail gives the frontier a full replay gives.
#include "journal/chain.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "base/binary.h"
#include "journal/merkle_leaf.h"
#include "journal/snapshot.h"
#include "service_test_util.h"

namespace twoline::journal {
namespace {

// A chain with hengqin's profile and a simulated day decided, and the journal line of every entry.
struct Journal {
  Chain chain;
  std::vector<std::string> lines;  // lines[seq - 1], without '\n'
  std::vector<Hash256> roots;      // roots[n - 1]: chain.frontier().Root() after entry n
};

std::string LineOf(const Entry& entry) {
  std::string line = EntryToJsonLine(entry);
  line.pop_back();
  return line;
}

Journal DecideDay(int persons, uint64_t seed) {
  Journal journal;
  auto record = [&](const Entry& entry) {
    journal.lines.push_back(LineOf(entry));
    journal.roots.push_back(journal.chain.frontier().Root());
    EXPECT_EQ(journal.chain.frontier().size(), entry.seq);
    EXPECT_EQ(journal.chain.last_leaf_hash(), LeafHash(entry));
  };
  record(journal.chain.PutProfileInForce(testing::BuiltinProfile("hengqin")));
  for (const std::string& line : testing::SimulatedDay("hengqin", persons, seed)) {
    Chain::Submitted submitted = journal.chain.Submit(testing::ParseOrDie(line));
    if (submitted.entry) record(*submitted.entry);
  }
  return journal;
}

// The leaf hashes of the lines, each recomputed from the line (not from the chain).
std::vector<Hash256> LeavesOfLines(const std::vector<std::string>& lines) {
  std::vector<Hash256> leaves;
  for (const std::string& line : lines) {
    auto leaf = LeafOfJournalLine(line);
    EXPECT_TRUE(leaf.ok()) << leaf.error().message;
    leaves.push_back(leaf.ok() ? leaf->leaf_hash : Hash256{});
  }
  return leaves;
}

TEST(ChainFrontier, EverySizeUpTo300HasTheRootOfItsEntries) {
  Journal journal = DecideDay(200, 3);
  ASSERT_GE(journal.lines.size(), 300u);
  std::vector<Hash256> leaves = LeavesOfLines(journal.lines);
  for (uint64_t n = 1; n <= 300; ++n) {
    // From scratch: a tree built from the first n leaves only.
    proof::MerkleLog tree =
        proof::MerkleLog::FromLeafHashes(std::span<const Hash256>(leaves.data(), n));
    ASSERT_EQ(journal.roots[n - 1], tree.Root()) << "size " << n;
  }
}

TEST(ChainFrontier, RandomSizesHaveTheRootOfTheirEntries) {
  Journal journal = DecideDay(1500, 4);
  std::vector<Hash256> leaves = LeavesOfLines(journal.lines);
  proof::MerkleLog tree = proof::MerkleLog::FromLeafHashes(leaves);
  std::mt19937_64 random(11);
  for (int round = 0; round < 200; ++round) {
    uint64_t n = 1 + random() % leaves.size();
    ASSERT_EQ(journal.roots[n - 1], tree.RootAt(n)) << "size " << n;
  }
  EXPECT_EQ(journal.chain.frontier().Root(), tree.Root());
}

TEST(ChainFrontier, ReplayBuildsTheSameFrontier) {
  Journal journal = DecideDay(100, 5);
  Chain replayed;
  for (const std::string& line : journal.lines) {
    auto entry = EntryFromJsonLine(line);
    ASSERT_TRUE(entry.ok());
    ASSERT_TRUE(replayed.Replay(*entry).ok());
    ASSERT_EQ(replayed.frontier().Root(), journal.roots[entry->seq - 1]) << "seq " << entry->seq;
    ASSERT_EQ(replayed.last_leaf_hash(), LeafHash(*entry));
  }
  EXPECT_EQ(replayed.frontier().Serialize(), journal.chain.frontier().Serialize());
}

TEST(ChainFrontier, AnEntryThatFailsReplayLeavesTheFrontierAlone) {
  Journal journal = DecideDay(30, 6);
  Chain replayed;
  for (size_t i = 0; i < 10; ++i)
    ASSERT_TRUE(replayed.Replay(*EntryFromJsonLine(journal.lines[i])).ok());
  std::string before = replayed.frontier().Serialize();
  Entry skipped = *EntryFromJsonLine(journal.lines[11]);  // seq 12 where 11 is due
  EXPECT_FALSE(replayed.Replay(skipped).ok());
  EXPECT_EQ(replayed.frontier().Serialize(), before);
}

TEST(ChainFrontier, SnapshotAndTailRestoreTheSameFrontier) {
  Journal journal = DecideDay(100, 7);
  const size_t total = journal.lines.size();
  for (size_t cut : {size_t{1}, size_t{2}, size_t{7}, size_t{64}, total / 2, total - 1, total}) {
    // The chain as it was after `cut` entries, snapshotted.
    Chain prefix;
    for (size_t i = 0; i < cut; ++i)
      ASSERT_TRUE(prefix.Replay(*EntryFromJsonLine(journal.lines[i])).ok());
    std::string bytes = EncodeSnapshot(prefix);
    Chain restored;
    SnapshotHeader header;
    Status loaded = LoadSnapshot(bytes, &restored, &header);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    ASSERT_EQ(restored.frontier().Serialize(), prefix.frontier().Serialize()) << "cut " << cut;
    for (size_t i = cut; i < total; ++i) {
      ASSERT_TRUE(restored.Replay(*EntryFromJsonLine(journal.lines[i])).ok());
    }
    EXPECT_EQ(restored.frontier().Serialize(), journal.chain.frontier().Serialize())
        << "cut " << cut;
    EXPECT_EQ(restored.frontier().Root(), journal.roots.back());
  }
}

// The container version this build writes and reads.
constexpr uint32_t kVersion = 6;

// Rewrites a snapshot's container as this build writes it: `edit` gets the fields after the
// version and returns what to write instead; the version is set as given, and the checksum is
// SnapshotChecksum.
std::string Rewritten(const std::string& bytes, uint32_t version,
                      const std::function<void(BinaryReader&, BinaryWriter&)>& edit) {
  std::string out = bytes.substr(0, 16);
  BinaryWriter w(&out);
  w.U32(version);
  BinaryReader in(std::string_view(bytes).substr(20, bytes.size() - 20 - kSnapshotChecksumBytes));
  edit(in, w);
  out += SnapshotChecksum(out);
  return out;
}

void CopyHeader(BinaryReader& in, BinaryWriter& w) {
  w.U64(in.U64());
  char hashes[64];
  in.Raw(hashes, 64);
  w.Raw(hashes, 64);
  w.Bytes(in.Bytes());  // zone
}

TEST(ChainFrontier, ASnapshotOfTheOlderFormatIsRefusedNotMisread) {
  Journal journal = DecideDay(30, 8);
  // Version 2 had no frontier: the zone id was followed by the engine body.
  std::string version2 =
      Rewritten(EncodeSnapshot(journal.chain), 2, [](BinaryReader& in, BinaryWriter& w) {
        CopyHeader(in, w);
        (void)in.View();  // the frontier, which version 2 did not have
        w.Bytes(in.View());
      });
  Chain restored;
  Status status = LoadSnapshot(version2, &restored, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("format version 2 is not the one this build reads (6;"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(restored.entries(), 0u);
}

TEST(ChainFrontier, ASnapshotWhoseFrontierDoesNotCoverItsSeqIsRefused) {
  Journal journal = DecideDay(30, 9);
  Chain shorter;
  for (size_t i = 0; i + 1 < journal.lines.size(); ++i) {
    ASSERT_TRUE(shorter.Replay(*EntryFromJsonLine(journal.lines[i])).ok());
  }
  std::string forged =
      Rewritten(EncodeSnapshot(journal.chain), kVersion, [&](BinaryReader& in, BinaryWriter& w) {
        CopyHeader(in, w);
        (void)in.View();
        w.Bytes(shorter.frontier().Serialize());
        w.Bytes(in.View());
      });
  Chain restored;
  Status status = LoadSnapshot(forged, &restored, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("Merkle frontier covers"), std::string::npos) << status.message();
  EXPECT_EQ(restored.entries(), 0u);
  // The unedited container loads: the rewrite itself is faithful.
  std::string same =
      Rewritten(EncodeSnapshot(journal.chain), kVersion, [](BinaryReader& in, BinaryWriter& w) {
        CopyHeader(in, w);
        w.Bytes(in.View());
        w.Bytes(in.View());
      });
  EXPECT_EQ(same, EncodeSnapshot(journal.chain));
  EXPECT_TRUE(LoadSnapshot(same, &restored, nullptr).ok());
}

TEST(ChainFrontier, ASnapshotOfVersion5IsRefusedNotMisread) {
  // Version 5 had the same container around another body (the profiles inside the registries, the
  // decided ids in table order, the state hash of another encoding): refused by its version, with
  // its checksum intact, so that the zone replays instead.
  Journal journal = DecideDay(30, 10);
  std::string version5 =
      Rewritten(EncodeSnapshot(journal.chain), 5, [](BinaryReader& in, BinaryWriter& w) {
        CopyHeader(in, w);
        w.Bytes(in.View());
        w.Bytes(in.View());
      });
  Chain restored;
  Status status = LoadSnapshot(version5, &restored, nullptr);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("format version 5 is not the one this build reads (6;"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(restored.entries(), 0u);
  // The same bytes as version 6 load: only the version refused it.
  std::string version6 =
      Rewritten(version5, kVersion, [](BinaryReader& in, BinaryWriter& w) {
        CopyHeader(in, w);
        w.Bytes(in.View());
        w.Bytes(in.View());
      });
  EXPECT_TRUE(LoadSnapshot(version6, &restored, nullptr).ok());
  EXPECT_EQ(restored.engine().StateHash(), journal.chain.engine().StateHash());
}

}  // namespace
}  // namespace twoline::journal
