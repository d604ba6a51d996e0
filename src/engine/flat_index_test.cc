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

// Every record inserted so far is found and visited exactly once, and size() counts it once: with
// inserts kept local (a snapshot's child shares the table), while the side table is merged back a
// few slots per insert, and after. Local periods of several lengths, some ending mid-merge.
TEST(DecidedIdsLocalInserts, EveryIdIsFoundAndVisitedOnceThroughLocalPeriodsAndMerges) {
  DecidedIds ids;
  uint64_t seq = 0;
  auto check = [&](const std::string& when) {
    ASSERT_EQ(ids.size(), seq) << when;
    std::map<uint64_t, int> visits;
    ids.ForEach([&](const DecidedId& record) { ++visits[record.seq]; });
    ASSERT_EQ(visits.size(), seq) << when;
    for (const auto& [visited, times] : visits) ASSERT_EQ(times, 1) << visited << " " << when;
    for (uint64_t probe = 1; probe <= seq; probe += 11) {
      const DecidedId* found = ids.Find(Record(probe).id_digest);
      ASSERT_NE(found, nullptr) << probe << " " << when;
      EXPECT_EQ(found->body_digest, probe * 7);
    }
    EXPECT_EQ(ids.Find(Record(seq + 1).id_digest), nullptr) << when;
  };
  for (uint64_t i = 0; i < 3000; ++i) ids.Insert(Record(++seq));
  // Local periods of 1, 40, 2,500 and 9,000 inserts; after each, 0, 30 or 200 ordinary inserts
  // before the next (the merge of 9,000 ids takes about 9,000 * 10/7 / 64 = 200 of them).
  const uint64_t local[] = {1, 40, 2500, 9000, 2500, 9000};
  const uint64_t after[] = {30, 0, 30, 200, 200, 0};
  for (size_t period = 0; period < std::size(local); ++period) {
    ids.SetLocalInserts(true);
    EXPECT_TRUE(ids.local_inserts());
    for (uint64_t i = 0; i < local[period]; ++i) {
      ids.Insert(Record(++seq));
      if (i % 997 == 0) check("local period " + std::to_string(period) + " insert " + std::to_string(i));
    }
    EXPECT_GT(ids.side_table_size(), 0u);
    check("end of local period " + std::to_string(period));
    ids.SetLocalInserts(false);
    for (uint64_t i = 0; i < after[period]; ++i) {
      ids.Insert(Record(++seq));
      if (i % 7 == 0) check("merging after period " + std::to_string(period) + " insert " + std::to_string(i));
    }
  }
  for (uint64_t i = 0; i < 400 && ids.side_table_size() != 0; ++i) ids.Insert(Record(++seq));
  EXPECT_EQ(ids.side_table_size(), 0u) << "the side table is merged and freed";
  check("after every merge");
  // A copy taken with inserts local finds the same records.
  ids.SetLocalInserts(true);
  for (int i = 0; i < 100; ++i) ids.Insert(Record(++seq));
  DecidedIds copy = ids;
  for (uint64_t probe = 1; probe <= seq; probe += 5) ASSERT_NE(copy.Find(Record(probe).id_digest), nullptr);
}

// Setting inserts local while a merge is under way finishes the merge first (its walk of the side
// table would miss ids inserted behind it).
TEST(DecidedIdsLocalInserts, ALocalPeriodStartedMidMergeFinishesTheMergeFirst) {
  DecidedIds ids;
  uint64_t seq = 0;
  ids.SetLocalInserts(true);
  for (int i = 0; i < 5000; ++i) ids.Insert(Record(++seq));
  ids.SetLocalInserts(false);
  for (int i = 0; i < 10; ++i) ids.Insert(Record(++seq));
  ASSERT_GT(ids.side_table_size(), 0u) << "the merge is under way";
  ids.SetLocalInserts(true);
  EXPECT_EQ(ids.side_table_size(), 0u) << "finished, and the side table freed";
  for (int i = 0; i < 5000; ++i) ids.Insert(Record(++seq));
  ids.SetLocalInserts(false);
  for (int i = 0; i < 200; ++i) ids.Insert(Record(++seq));
  EXPECT_EQ(ids.size(), seq);
  size_t visited = 0;
  ids.ForEach([&](const DecidedId&) { ++visited; });
  EXPECT_EQ(visited, seq);
  for (uint64_t probe = 1; probe <= seq; ++probe) ASSERT_NE(ids.Find(Record(probe).id_digest), nullptr) << probe;
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
