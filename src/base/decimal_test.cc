#include "base/decimal.h"

#include <gtest/gtest.h>

namespace twoline {
namespace {

TEST(Decimal, MoneyParsesIntoFen) {
  EXPECT_EQ(*ParseMoney("2000.00"), 200000);
  EXPECT_EQ(*ParseMoney("0.5"), 50);
  EXPECT_EQ(*ParseMoney("7"), 700);
  EXPECT_EQ(*ParseMoney("0"), 0);
}

TEST(Decimal, QuantityParsesIntoThousandths) {
  EXPECT_EQ(*ParseQuantity("50"), 50000);
  EXPECT_EQ(*ParseQuantity("1.125"), 1125);
}

TEST(Decimal, TooManyDecimalsIsRejectedWithAReason) {
  auto result = ParseMoney("1.005");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("more than 2 decimals"), std::string::npos);
  EXPECT_FALSE(ParseQuantity("1.0001").ok());
}

TEST(Decimal, ExponentsSignsSpacesAndNonNumbersAreRejected) {
  for (const char* bad : {"1e3", "1E3", "-1", "+1", " 1", "1 ", "", ".5", "5.", "1.2.3", "abc",
                          "0x10", "NaN", "Infinity", "1,000", "--1"}) {
    EXPECT_FALSE(ParseMoney(bad).ok()) << bad;
  }
  EXPECT_NE(ParseMoney("1e3").error().message.find("exponent"), std::string::npos);
  EXPECT_NE(ParseMoney("-1").error().message.find("negative"), std::string::npos);
}

TEST(Decimal, OverflowIsRejected) {
  EXPECT_FALSE(ParseMoney("92233720368547758.08").ok());
  EXPECT_TRUE(ParseMoney("92233720368547758.07").ok());
  EXPECT_FALSE(ParseMoney("99999999999999999999999").ok());
}

TEST(Decimal, SignedParsingWhenAllowed) {
  EXPECT_EQ(*ParseFixed("-1.5", 2, true, "x"), -150);
}

TEST(Decimal, FormatsWithFixedDecimals) {
  EXPECT_EQ(FormatMoney(156000), "1560.00");
  EXPECT_EQ(FormatMoney(5), "0.05");
  EXPECT_EQ(FormatMoney(-150), "-1.50");
  EXPECT_EQ(FormatQuantity(50000), "50");
  EXPECT_EQ(FormatQuantity(1250), "1.25");
  EXPECT_EQ(FormatQuantity(1), "0.001");
}

TEST(Decimal, RoundsHalfUpToTheFen) {
  // 700.00 x 0.05 = 35.00 exactly; (700.00 + 35.00) x 0.13 = 95.55.
  EXPECT_EQ(MulDivRoundHalfUp(70000, 50000, kRateOne), 3500);
  EXPECT_EQ(MulDivRoundHalfUp(73500, 130000, kRateOne), 9555);
  // 0.05 x 0.5 = 0.025 -> 0.03 (half up); 0.04 x 0.5 = 0.02.
  EXPECT_EQ(MulDivRoundHalfUp(5, 500000, kRateOne), 3);
  EXPECT_EQ(MulDivRoundHalfUp(4, 500000, kRateOne), 2);
  EXPECT_EQ(MulDivRoundHalfUp(3, 1, 2), 2);
  EXPECT_EQ(MulDivRoundHalfUp(1, 1, 3), 0);
}

}  // namespace
}  // namespace twoline
