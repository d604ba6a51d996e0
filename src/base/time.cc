#include "base/time.h"

#include <cstdio>

namespace twoline {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool Digits(std::string_view s, size_t pos, size_t count, int* out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool ParseCalendar(std::string_view s, int* y, int* m, int* d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, m) || !Digits(s, 8, 2, d)) return false;
  if (*y < 1900 || *y > 2999 || *m < 1 || *m > 12) return false;
  return *d >= 1 && *d <= DaysInMonth(*y, *m);
}

}  // namespace

// Howard Hinnant's days_from_civil.
Date DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(Date z, int* year, int* month, int* day) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = y + (*month <= 2);
}

Result<Date> ParseDate(std::string_view text) {
  int y, m, d;
  if (text.size() != 10 || !ParseCalendar(text, &y, &m, &d)) {
    return Error{"\"" + std::string(text.substr(0, 40)) + "\" is not a calendar date (YYYY-MM-DD)"};
  }
  return DaysFromCivil(y, m, d);
}

Result<Instant> ParseRfc3339(std::string_view s) {
  auto fail = [&]() -> Result<Instant> {
    return Error{"\"" + std::string(s.substr(0, 40)) +
                 "\" is not an RFC 3339 time with offset (YYYY-MM-DDTHH:MM:SS+HH:MM)"};
  };
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || s.size() > 40 || !ParseCalendar(s, &y, &mo, &d)) return fail();
  if ((s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return fail();
  if (!Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &se)) return fail();
  if (h > 23 || mi > 59 || se > 59) return fail();
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return fail();
  }
  int offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (pos + 6 != s.size() || s[pos + 3] != ':' || !Digits(s, pos + 1, 2, &oh) ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return fail();
    }
    offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return fail();
  }
  if (pos != s.size()) return fail();
  Instant instant;
  instant.offset_minutes = offset;
  instant.unix_seconds = static_cast<int64_t>(DaysFromCivil(y, mo, d)) * 86400 + h * 3600 +
                         mi * 60 + se - static_cast<int64_t>(offset) * 60;
  return instant;
}

namespace {

// Writes `value` (0 <= value < 10^digits) as `digits` decimal digits.
void PutDigits(char* out, int value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::string FormatDate(Date date) {
  int y, m, d;
  CivilFromDays(date, &y, &m, &d);
  if (y < 0 || y > 9999) {  // beyond what the digits below write; never in practice
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", y, m, d);
    return buffer;
  }
  // Digit by digit: the read models write several dates a row, and snprintf was 5% of a
  // database run's deciding thread.
  std::string out(10, '-');
  PutDigits(out.data(), y, 4);
  PutDigits(out.data() + 5, m, 2);
  PutDigits(out.data() + 8, d, 2);
  return out;
}

static int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Date LocalDate(int64_t unix_seconds, int32_t offset_minutes) {
  return static_cast<Date>(FloorDiv(unix_seconds + offset_minutes * 60LL, 86400));
}

std::string LocalTimeOfDay(int64_t unix_seconds, int32_t offset_minutes) {
  int64_t local = unix_seconds + offset_minutes * 60LL;
  int64_t seconds_of_day = local - FloorDiv(local, 86400) * 86400;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", static_cast<int>(seconds_of_day / 3600),
                static_cast<int>(seconds_of_day / 60 % 60));
  return buffer;
}

std::string FormatRfc3339(int64_t unix_seconds, int32_t offset_minutes) {
  int64_t local = unix_seconds + offset_minutes * 60LL;
  Date date = static_cast<Date>(FloorDiv(local, 86400));
  int64_t seconds = local - static_cast<int64_t>(date) * 86400;
  int offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::string out = FormatDate(date);
  if (out.size() != 10 || offset / 60 > 99) {
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02d%c%02d:%02d", out.c_str(),
                  static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                  static_cast<int>(seconds % 60), offset_minutes < 0 ? '-' : '+', offset / 60,
                  offset % 60);
    return buffer;
  }
  out.resize(25);
  char* at = out.data() + 10;  // "THH:MM:SS+HH:MM"
  at[0] = 'T';
  PutDigits(at + 1, static_cast<int>(seconds / 3600), 2);
  at[3] = ':';
  PutDigits(at + 4, static_cast<int>(seconds / 60 % 60), 2);
  at[6] = ':';
  PutDigits(at + 7, static_cast<int>(seconds % 60), 2);
  at[9] = offset_minutes < 0 ? '-' : '+';
  PutDigits(at + 10, offset / 60, 2);
  at[12] = ':';
  PutDigits(at + 13, offset % 60, 2);
  return out;
}

int AgeInYears(Date birth, Date on) {
  int by, bm, bd, y, m, d;
  CivilFromDays(birth, &by, &bm, &bd);
  CivilFromDays(on, &y, &m, &d);
  int age = y - by;
  if (m < bm || (m == bm && d < bd)) --age;
  return age;
}

}  // namespace twoline
