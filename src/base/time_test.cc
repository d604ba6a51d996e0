#include "base/time.h"

#include <gtest/gtest.h>

namespace twoline {
namespace {

TEST(Time, Rfc3339WithOffsetIsConvertedToUtc) {
  auto at = ParseRfc3339("2026-03-01T08:00:00+08:00");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->unix_seconds, ParseRfc3339("2026-03-01T00:00:00Z")->unix_seconds);
  EXPECT_EQ(at->offset_minutes, 480);
  EXPECT_EQ(LocalDate(at->unix_seconds, 480), *ParseDate("2026-03-01"));
}

TEST(Time, LocalDateFollowsTheZoneOffsetAcrossMidnight) {
  auto at = ParseRfc3339("2026-02-28T16:30:00Z");  // 00:30 on 1 March in Macao
  EXPECT_EQ(LocalDate(at->unix_seconds, 480), *ParseDate("2026-03-01"));
  EXPECT_EQ(LocalTimeOfDay(at->unix_seconds, 480), "00:30");
  EXPECT_EQ(FormatRfc3339(at->unix_seconds, 480), "2026-03-01T00:30:00+08:00");
}

TEST(Time, TimesWithoutOffsetOrImpossibleFieldsAreRejected) {
  for (const char* bad : {"2026-03-01T08:00:00", "2026-03-01 08:00:00+08:00", "2026-02-30T08:00:00Z",
                          "2026-03-01T24:00:00Z", "2026-03-01T08:60:00Z", "2026-03-01T08:00:00+8:00",
                          "2026-3-01T08:00:00Z", "yesterday", "", "2026-03-01T08:00:00+08:00x"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseRfc3339("2026-03-01T08:00:00.123+08:00").ok());
}

TEST(Time, CalendarDatesAreReal) {
  EXPECT_TRUE(ParseDate("2024-02-29").ok());
  EXPECT_FALSE(ParseDate("2023-02-29").ok());
  EXPECT_FALSE(ParseDate("2023-13-01").ok());
  EXPECT_FALSE(ParseDate("2023-1-01").ok());
  EXPECT_EQ(FormatDate(*ParseDate("2025-11-19")), "2025-11-19");
}

TEST(Time, AgeCountsWholeYears) {
  EXPECT_EQ(AgeInYears(*ParseDate("2008-03-02"), *ParseDate("2026-03-01")), 17);
  EXPECT_EQ(AgeInYears(*ParseDate("2008-03-01"), *ParseDate("2026-03-01")), 18);
}

}  // namespace
}  // namespace twoline
