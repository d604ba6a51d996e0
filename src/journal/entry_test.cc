#include "journal/entry.h"

#include <gtest/gtest.h>

namespace twoline::journal {
namespace {

Entry SampleCommandEntry() {
  Entry entry;
  entry.seq = 2;
  entry.prev.fill(0xab);
  entry.kind = EntryKind::kCommand;
  entry.zone = "hengqin";
  entry.command =
      R"({"at":"2026-03-01T08:00:00+08:00","direction":"in","gate":"HQ-L1-GEN-01","id":"ex1-a","person":"MO-77","type":"cross","zone":"hengqin"})";
  entry.decision = R"({"id":"ex1-a","outcome":"accepted","reasons":[]})";
  entry.hash = ComputeEntryHash(entry);
  return entry;
}

// The golden hash pins the canonical encoding (docs/journal.md): if this test fails, the encoding
// changed, and every existing journal would stop verifying. Bump kEntryVersion instead.
TEST(JournalEntry, CanonicalEncodingIsPinnedByAGoldenHash) {
  Entry entry = SampleCommandEntry();
  EXPECT_EQ(ToHex(entry.hash), "6d48c84c2ebc145fb28b3fec02370ce38844ecbad6b3f4ee64cb3d11f13392a1");
  std::string encoded = EncodeEntry(entry);
  EXPECT_EQ(encoded[0], 1);        // version
  EXPECT_EQ(encoded[1], 1);        // tag 1: seq
  EXPECT_EQ(encoded[2], 8);        // length 8, little-endian
  EXPECT_EQ(encoded[6], 2);        // seq = 2, little-endian
}

TEST(JournalEntry, ProfileEntriesHashTheirTexts) {
  Entry entry;
  entry.seq = 1;
  entry.kind = EntryKind::kProfile;
  entry.zone = "hengqin";
  entry.profile_text = "[zone]\nid = \"hengqin\"\n";
  entry.tariff_text = "hs_prefix,customs_duty_rate,vat_rate,description\n*,0.08,0.13,other\n";
  Hash256 first = ComputeEntryHash(entry);
  entry.tariff_text += "8471,0,0.13,computers\n";
  EXPECT_NE(ToHex(first), ToHex(ComputeEntryHash(entry)));
}

TEST(JournalEntry, JsonLineRoundTripsExactly) {
  Entry entry = SampleCommandEntry();
  std::string line = EntryToJsonLine(entry);
  ASSERT_EQ(line.back(), '\n');
  auto parsed = EntryFromJsonLine(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->command, entry.command);
  EXPECT_EQ(parsed->decision, entry.decision);
  EXPECT_EQ(ToHex(ComputeEntryHash(*parsed)), ToHex(entry.hash));
}

TEST(JournalEntry, AnyChangedByteIsRefusedOrChangesTheHash) {
  Entry entry = SampleCommandEntry();
  std::string line = EntryToJsonLine(entry);
  line.pop_back();
  for (size_t i = 0; i < line.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = line;
      altered[i] = static_cast<char>(altered[i] ^ (1 << bit));
      auto parsed = EntryFromJsonLine(altered);
      if (parsed.ok()) {
        EXPECT_NE(ToHex(ComputeEntryHash(*parsed)), ToHex(parsed->hash))
            << "byte " << i << " bit " << bit << " went unnoticed";
      }
    }
  }
}

TEST(JournalEntry, UppercaseHexAndWhitespaceAreNotCanonical) {
  Entry entry = SampleCommandEntry();
  std::string line = EntryToJsonLine(entry);
  line.pop_back();
  std::string spaced = line;
  spaced.insert(1, " ");
  EXPECT_FALSE(EntryFromJsonLine(spaced).ok());
  std::string upper = line;
  size_t hash_at = upper.rfind("\"hash\":\"") + 8;
  upper[hash_at] = static_cast<char>(std::toupper(upper[hash_at]));
  if (upper != line) {
    EXPECT_FALSE(EntryFromJsonLine(upper).ok());
  }
}

}  // namespace
}  // namespace twoline::journal
