#include "base/stable_vector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace twoline {
namespace {

std::string Text(int i) { return "element number " + std::to_string(i) + " of a long history"; }

TEST(StableVector, ElementsNeverMoveWhileItGrows) {
  StableVector<std::string> values;
  values.push_back(Text(0));
  const std::string* first = &values[0];
  const char* first_text = values[0].data();
  for (int i = 1; i < 200000; ++i) values.push_back(Text(i));
  EXPECT_EQ(first, &values[0]);
  EXPECT_EQ(first_text, values[0].data());
  ASSERT_EQ(values.size(), 200000u);
  for (int i = 0; i < 200000; i += 997) EXPECT_EQ(values[i], Text(i));
  EXPECT_EQ(values.back(), Text(199999));
  EXPECT_EQ(values.end() - values.begin(), 200000);
}

TEST(StableVector, CopiesMovesAndResizesLikeAVector) {
  StableVector<std::string> values{"a", "b", "c", "d"};
  StableVector<std::string> copy = values;
  copy.push_back("e");
  EXPECT_EQ(values.size(), 4u);
  EXPECT_EQ(copy.size(), 5u);
  StableVector<std::string> moved = std::move(copy);
  EXPECT_EQ(moved.size(), 5u);
  EXPECT_TRUE(copy.empty());  // NOLINT: a moved-from vector is empty
  moved.resize(7);
  EXPECT_EQ(moved[6], "");
  moved.resize(2);
  EXPECT_EQ(std::vector<std::string>(moved.begin(), moved.end()), (std::vector<std::string>{"a", "b"}));
  moved = values;
  EXPECT_EQ(moved.size(), 4u);
  moved.clear();
  EXPECT_TRUE(moved.empty());
  moved.emplace_back(3, 'x');
  EXPECT_EQ(moved.front(), "xxx");
}

TEST(StableVector, AFullReservationFallsBackToMovingIntoALargerRegion) {
  StableVector<std::string> values(/*reserve_bytes=*/4096);  // 128 strings
  for (int i = 0; i < 5000; ++i) values.push_back(Text(i));
  ASSERT_EQ(values.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(values[i], Text(i));
  StableVector<std::string> copy = values;
  EXPECT_EQ(copy[4999], Text(4999));
}

TEST(StableVector, AppendingAnElementOfItselfWhileGrowingCopiesIt) {
  StableVector<std::string> values(/*reserve_bytes=*/4096);
  values.push_back(Text(0));
  while (values.size() < values.capacity()) values.push_back(Text(1));
  values.push_back(values[0]);  // grows: values[0] moves while the new element is made
  EXPECT_EQ(values.back(), Text(0));
  EXPECT_EQ(values[0], Text(0));
}

}  // namespace
}  // namespace twoline
