#include "journal/merkle_leaf.h"

#include <gtest/gtest.h>

#include "proof/merkle.h"

namespace twoline::journal {
namespace {

Entry CommandEntry() {
  Entry entry;
  entry.seq = 2;
  entry.prev = Sha256("seq 1");
  entry.kind = EntryKind::kCommand;
  entry.zone = "hengqin";
  entry.command = R"({"id":"c1","type":"cross"})";
  entry.decision = R"({"id":"c1","outcome":"accepted","reasons":[]})";
  entry.hash = ComputeEntryHash(entry);
  return entry;
}

std::string JournalLineOf(const Entry& entry) {
  std::string line = EntryToJsonLine(entry);
  line.pop_back();
  return line;
}

TEST(MerkleLeafTest, LeafHashIsRfc9162LeafOfTheCanonicalEncoding) {
  Entry entry = CommandEntry();
  std::string expected_input(1, '\0');
  expected_input += EncodeEntry(entry);
  EXPECT_EQ(LeafHash(entry), Sha256(expected_input));
  EXPECT_EQ(LeafHash(entry), proof::HashLeaf(EncodeEntry(entry)));
  EXPECT_NE(LeafHash(entry), entry.hash);  // the 0x00 prefix separates leaves from chain hashes
}

TEST(MerkleLeafTest, JournalLineGivesTheSameLeaf) {
  Entry entry = CommandEntry();
  auto leaf = LeafOfJournalLine(JournalLineOf(entry));
  ASSERT_TRUE(leaf.ok()) << leaf.error().message;
  EXPECT_EQ(leaf->leaf_hash, LeafHash(entry));
  EXPECT_EQ(leaf->entry.seq, 2u);
}

TEST(MerkleLeafTest, AlteredLinesAreRejectedOrHashDifferently) {
  Entry entry = CommandEntry();
  std::string line = JournalLineOf(entry);
  std::string altered_hash = line;
  size_t at = altered_hash.find("\"hash\":\"") + 8;
  altered_hash[at] = altered_hash[at] == '0' ? '1' : '0';
  EXPECT_NE(LeafOfJournalLine(altered_hash).error().message.find("does not match its content"),
            std::string::npos);

  std::string spaced = line;
  spaced.insert(spaced.find("\"type\""), " ");
  EXPECT_FALSE(LeafOfJournalLine(spaced).ok());

  // Content changed and the entry hash recomputed: the line is consistent, the leaf differs.
  Entry changed = entry;
  changed.decision = R"({"id":"c1","outcome":"rejected","reasons":[]})";
  changed.hash = ComputeEntryHash(changed);
  auto leaf = LeafOfJournalLine(JournalLineOf(changed));
  ASSERT_TRUE(leaf.ok());
  EXPECT_NE(leaf->leaf_hash, LeafHash(entry));
}

}  // namespace
}  // namespace twoline::journal
