#include "engine/flat_index.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace twoline::engine {
namespace {

DecidedId Record(uint64_t seq) {
  DecidedId record;
  DecidedIds::IdDigest("", "cmd-" + std::to_string(seq), record.id_digest);
  record.seq = seq;
  record.body_digest = seq * 7;
  return record;
}

// Every record inserted so far is found, and ForEach visits each exactly once, at every step —
// in particular while a growth is being moved from the old table into the new one.
TEST(DecidedIdsGrowth, EveryIdIsFoundAndVisitedOnceWhileTheTableGrows) {
  DecidedIds ids;
  for (uint64_t seq = 1; seq <= 5000; ++seq) {
    ids.Insert(Record(seq));
    ASSERT_EQ(ids.size(), seq);
    if (seq % 97 == 0 || seq < 64) {
      std::map<uint64_t, int> visits;
      ids.ForEach([&](const DecidedId& record) { ++visits[record.seq]; });
      ASSERT_EQ(visits.size(), seq) << "after " << seq;
      for (const auto& [visited, times] : visits) ASSERT_EQ(times, 1) << visited;
      for (uint64_t probe = 1; probe <= seq; probe += 13) {
        const DecidedId* found = ids.Find(Record(probe).id_digest);
        ASSERT_NE(found, nullptr) << probe << " after " << seq;
        EXPECT_EQ(found->seq, probe);
        EXPECT_EQ(found->body_digest, probe * 7);
      }
    }
  }
  EXPECT_EQ(ids.Find(Record(5001).id_digest), nullptr);
  // A copy taken mid-growth finds the same records.
  DecidedIds copy = ids;
  for (uint64_t seq = 1; seq <= 5000; seq += 7) ASSERT_NE(copy.Find(Record(seq).id_digest), nullptr);
}

TEST(DecidedIdsGrowth, AReservedTableTakesItsRecordsWithoutGrowing) {
  DecidedIds ids;
  ids.Reserve(1000);
  for (uint64_t seq = 1; seq <= 1000; ++seq) ids.Insert(Record(seq));
  for (uint64_t seq = 1; seq <= 1000; ++seq) ASSERT_EQ(ids.Find(Record(seq).id_digest)->seq, seq);
}

TEST(FlatIndexGrowth, EveryKeyIsFoundWhileTheIndexGrows) {
  std::vector<std::string> keys;
  FlatIndex index;
  auto key_of = [&](uint32_t position) -> const std::string& { return keys[position]; };
  for (uint32_t i = 0; i < 20000; ++i) {
    keys.push_back("P-" + std::to_string(i * 7919));
    ASSERT_EQ(index.Find(keys.back(), key_of), FlatIndex::kAbsent);
    index.Insert(keys.back(), i);
    if (i % 211 == 0) {
      for (uint32_t j = 0; j <= i; j += 17) ASSERT_EQ(index.Find(keys[j], key_of), j) << "after " << i;
    }
  }
  EXPECT_EQ(index.size(), 20000u);
  FlatIndex copy = index;
  for (uint32_t j = 0; j < 20000; ++j) ASSERT_EQ(copy.Find(keys[j], key_of), j);
  EXPECT_EQ(copy.Find("P-absent", key_of), FlatIndex::kAbsent);
}

}  // namespace
}  // namespace twoline::engine
