#include "base/time.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace twoline {
namespace {

TEST(Time, Rfc3339WithOffsetIsConvertedToUtc) {
  auto at = ParseRfc3339("2026-03-01T08:00:00+08:00");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->unix_seconds, ParseRfc3339("2026-03-01T00:00:00Z")->unix_seconds);
  EXPECT_EQ(at->offset_minutes, 480);
  EXPECT_EQ(LocalDate(at->unix_seconds, 480), *ParseDate("2026-03-01"));
}

// Dates and times are written digit by digit; the text is what "%04d-%02d-%02d" and
// "%sT%02d:%02d:%02d%c%02d:%02d" write, over four centuries of days, every second of a day, and
// offsets east and west, and they parse back.
TEST(Time, DatesAndTimesAreFormattedAsPrintfWouldAndParseBack) {
  auto reference_date = [](Date date) {
    int y, m, d;
    CivilFromDays(date, &y, &m, &d);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", y, m, d);
    return std::string(buffer);
  };
  for (Date date = DaysFromCivil(1900, 1, 1); date <= DaysFromCivil(2300, 12, 31); ++date) {
    ASSERT_EQ(FormatDate(date), reference_date(date));
  }
  EXPECT_EQ(FormatDate(DaysFromCivil(9999, 12, 31)), "9999-12-31");
  EXPECT_EQ(FormatDate(DaysFromCivil(10000, 1, 1)), "10000-01-01");  // beyond four digits
  EXPECT_EQ(FormatDate(DaysFromCivil(1, 1, 1)), "0001-01-01");
  const int64_t day = static_cast<int64_t>(DaysFromCivil(2026, 3, 1)) * 86400;
  for (int32_t offset : {480, 0, -300, 345, -570, 840, -720}) {
    for (int64_t second = 0; second < 86400; second += 7) {
      const int64_t at = day + second;
      const int64_t local = at + offset * 60LL;
      const Date date = static_cast<Date>(local / 86400);
      const int64_t in_day = local - static_cast<int64_t>(date) * 86400;
      const int magnitude = offset < 0 ? -offset : offset;
      char buffer[96];
      std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02d%c%02d:%02d", reference_date(date).c_str(),
                    static_cast<int>(in_day / 3600), static_cast<int>(in_day / 60 % 60),
                    static_cast<int>(in_day % 60), offset < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
      const std::string text = FormatRfc3339(at, offset);
      ASSERT_EQ(text, buffer) << at << " " << offset;
      if (second % 7001 == 0) {
        auto parsed = ParseRfc3339(text);
        ASSERT_TRUE(parsed.ok()) << text;
        EXPECT_EQ(parsed->unix_seconds, at);
        EXPECT_EQ(parsed->offset_minutes, offset);
      }
    }
  }
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
