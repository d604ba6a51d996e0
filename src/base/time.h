// Instants (RFC 3339 with offset) and calendar dates (days since 1970-01-01).
//
// The engine never reads a clock: every time it judges comes from a command's `at`. A calendar date
// in a zone is the local date of an instant at the zone's UTC offset (all Greater Bay Area zones are
// at +08:00 with no daylight saving; the offset is part of the profile).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace twoline {

using Date = int32_t;  // days since 1970-01-01

struct Instant {
  int64_t unix_seconds = 0;     // UTC
  int32_t offset_minutes = 0;   // as written in the text
};

// "2026-03-01T08:00:00+08:00", "2026-03-01T00:00:00Z", optional fraction of a second (truncated).
Result<Instant> ParseRfc3339(std::string_view text);
// "2026-03-01": a real calendar date between 1900-01-01 and 2999-12-31.
Result<Date> ParseDate(std::string_view text);

std::string FormatDate(Date date);
// The local calendar date and "HH:MM" of an instant at a UTC offset.
Date LocalDate(int64_t unix_seconds, int32_t offset_minutes);
std::string LocalTimeOfDay(int64_t unix_seconds, int32_t offset_minutes);
// Whole years between two dates (age on `on` for someone born on `birth`).
int AgeInYears(Date birth, Date on);
// "2026-03-01T08:00:00+08:00" for an instant at an offset.
std::string FormatRfc3339(int64_t unix_seconds, int32_t offset_minutes);

Date DaysFromCivil(int year, int month, int day);
void CivilFromDays(Date days, int* year, int* month, int* day);

}  // namespace twoline
