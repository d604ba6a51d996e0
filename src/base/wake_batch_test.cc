#include "base/wake_batch.h"

#include <gtest/gtest.h>

#include <thread>

namespace twoline {
namespace {

struct Receiver {
  int woken = 0;
  static void Wake(void* receiver) { ++static_cast<Receiver*>(receiver)->woken; }
};

TEST(WakeBatch, OutsideAScopeNothingIsDeferred) {
  Receiver receiver;
  EXPECT_FALSE(WakeBatch::Defer(&receiver, &Receiver::Wake));
  EXPECT_EQ(receiver.woken, 0);  // the caller wakes it itself
}

TEST(WakeBatch, EachReceiverIsWokenOnceAtTheEndOfTheScope) {
  Receiver a, b;
  {
    WakeBatch burst;
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(WakeBatch::Defer(&a, &Receiver::Wake));
      EXPECT_TRUE(WakeBatch::Defer(&b, &Receiver::Wake));
    }
    EXPECT_EQ(a.woken, 0);
    EXPECT_EQ(b.woken, 0);
  }
  EXPECT_EQ(a.woken, 1);
  EXPECT_EQ(b.woken, 1);
  // A later scope starts empty.
  { WakeBatch burst; }
  EXPECT_EQ(a.woken, 1);
}

TEST(WakeBatch, OnlyTheFirstDeferralOfAReceiverAddsIt) {
  Receiver receiver;
  bool added = true;
  EXPECT_FALSE(WakeBatch::Defer(&receiver, &Receiver::Wake, &added));
  EXPECT_FALSE(added);
  {
    WakeBatch burst;
    EXPECT_TRUE(WakeBatch::Defer(&receiver, &Receiver::Wake, &added));
    EXPECT_TRUE(added);
    EXPECT_TRUE(WakeBatch::Defer(&receiver, &Receiver::Wake, &added));
    EXPECT_FALSE(added);
  }
  EXPECT_EQ(receiver.woken, 1);
}

TEST(WakeBatch, NestedScopesWakeAtTheOutermostEnd) {
  Receiver receiver;
  {
    WakeBatch outer;
    {
      WakeBatch inner;
      EXPECT_TRUE(WakeBatch::Defer(&receiver, &Receiver::Wake));
    }
    EXPECT_EQ(receiver.woken, 0);
    EXPECT_TRUE(WakeBatch::Defer(&receiver, &Receiver::Wake));
  }
  EXPECT_EQ(receiver.woken, 1);
}

TEST(WakeBatch, AScopeBelongsToItsThread) {
  Receiver receiver;
  WakeBatch burst;
  bool deferred_elsewhere = true;
  std::thread other([&] { deferred_elsewhere = WakeBatch::Defer(&receiver, &Receiver::Wake); });
  other.join();
  EXPECT_FALSE(deferred_elsewhere);
}

}  // namespace
}  // namespace twoline
