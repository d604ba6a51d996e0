#include "base/batch_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace twoline {
namespace {

// An item that counts how many of its kind are alive, so that a test sees where they are destroyed.
struct Tracked {
  static inline int alive = 0;
  int value = 0;
  explicit Tracked(int v) : value(v) { ++alive; }
  Tracked(const Tracked& other) : value(other.value) { ++alive; }
  Tracked(Tracked&& other) noexcept : value(other.value) { ++alive; }
  ~Tracked() { --alive; }
};

TEST(BatchQueue, BatchesArriveInOrderAndANullOneEndsTheStream) {
  BatchQueue<int> queue;
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) queue.Push(std::make_unique<std::vector<int>>(3, i));
    queue.Push(nullptr);
  });
  int expected = 0;
  while (auto batch = queue.Pop()) {
    ASSERT_EQ(batch->size(), 3u);
    EXPECT_EQ(batch->front(), expected++);
  }
  producer.join();
  EXPECT_EQ(expected, 100);
}

TEST(BatchQueue, AClosedQueueDropsWhatWaitsAndNeitherSideWaits) {
  BatchQueue<int> queue;
  queue.Push(std::make_unique<std::vector<int>>(1, 7));
  queue.Close();
  EXPECT_TRUE(queue.closed());
  EXPECT_TRUE(queue.Pop() == nullptr);
  queue.Push(std::make_unique<std::vector<int>>(1, 8));  // returns at once
  EXPECT_TRUE(queue.Pop() == nullptr);
}

TEST(SpentBatches, TakeGivesAnEmptyBatchWithRoomWhenNoneIsSpent) {
  SpentBatches<int> spent;
  auto batch = spent.Take(512);
  ASSERT_TRUE(batch != nullptr);
  EXPECT_TRUE(batch->empty());
  EXPECT_GE(batch->capacity(), 512u);
}

TEST(SpentBatches, ASpentBatchComesBackEmptiedItsItemsDestroyedByTheTaker) {
  Tracked::alive = 0;
  SpentBatches<Tracked> spent;
  auto batch = spent.Take(4);
  for (int i = 0; i < 4; ++i) batch->emplace_back(i);
  const Tracked* storage = batch->data();
  EXPECT_EQ(Tracked::alive, 4);
  spent.Put(std::move(batch));
  EXPECT_EQ(Tracked::alive, 4);  // Put destroys nothing: the consumer's thread is spared
  auto again = spent.Take(4);
  EXPECT_EQ(Tracked::alive, 0);  // Take destroyed them
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(again->data(), storage);  // the same memory, used again
  auto fresh = spent.Take(4);      // none spent left: a new one
  EXPECT_NE(fresh->data(), storage);
}

TEST(SpentBatches, AProducerAndAConsumerRecyclingBatchesPassEveryItemInOrder) {
  Tracked::alive = 0;
  BatchQueue<Tracked> queue;
  SpentBatches<Tracked> spent;
  constexpr int kItems = 20000, kBatch = 64;
  std::thread producer([&] {
    auto batch = spent.Take(kBatch);
    for (int i = 0; i < kItems; ++i) {
      batch->emplace_back(i);
      if (batch->size() == kBatch) {
        queue.Push(std::move(batch));
        batch = spent.Take(kBatch);
      }
    }
    if (!batch->empty()) queue.Push(std::move(batch));
    queue.Push(nullptr);
  });
  int expected = 0;
  while (auto batch = queue.Pop()) {
    for (const Tracked& item : *batch) ASSERT_EQ(item.value, expected++);
    spent.Put(std::move(batch));
  }
  producer.join();
  EXPECT_EQ(expected, kItems);
  (void)spent.Take(0);  // destroys one spent batch's items; the rest go with `spent`
}

}  // namespace
}  // namespace twoline
