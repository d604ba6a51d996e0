#include "base/decimal.h"

#include <limits>

namespace twoline {

Result<int64_t> ParseFixed(std::string_view text, int scale, bool allow_negative,
                           std::string_view what) {
  auto fail = [&](std::string_view why) -> Result<int64_t> {
    return Error{std::string(what) + " \"" + std::string(text.substr(0, 40)) + "\": " +
                 std::string(why)};
  };
  if (text.empty()) return fail("empty");
  if (text.size() > 40) return fail("too long");
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    if (!allow_negative) return fail("must not be negative");
    negative = true;
    i = 1;
  } else if (text[0] == '+') {
    return fail("sign not allowed");
  }
  __int128 value = 0;
  int integer_digits = 0;
  int fraction_digits = 0;
  bool in_fraction = false;
  constexpr __int128 kLimit = std::numeric_limits<int64_t>::max();
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (in_fraction) return fail("more than one decimal point");
      if (integer_digits == 0) return fail("no digit before the decimal point");
      in_fraction = true;
      continue;
    }
    if (c < '0' || c > '9') {
      if (c == 'e' || c == 'E') return fail("exponents are not allowed");
      return fail("not a decimal number");
    }
    if (in_fraction) {
      if (++fraction_digits > scale) {
        return fail("more than " + std::to_string(scale) + " decimals");
      }
    } else {
      ++integer_digits;
    }
    value = value * 10 + (c - '0');
    if (value > kLimit) return fail("out of range");
  }
  if (integer_digits == 0) return fail("no digits");
  if (in_fraction && fraction_digits == 0) return fail("no digit after the decimal point");
  for (int k = fraction_digits; k < scale; ++k) {
    value *= 10;
    if (value > kLimit) return fail("out of range");
  }
  return static_cast<int64_t>(negative ? -value : value);
}

std::string FormatFixed(int64_t value, int scale) {
  CHECK(scale >= 0 && scale <= 18);
  bool negative = value < 0;
  unsigned __int128 magnitude =
      negative ? static_cast<unsigned __int128>(-static_cast<__int128>(value)) : value;
  char buffer[64];
  int position = sizeof buffer;
  int digits = 0;
  do {
    if (digits == scale && scale > 0) buffer[--position] = '.';
    buffer[--position] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
    ++digits;
  } while (magnitude > 0 || digits <= scale);
  if (negative) buffer[--position] = '-';
  return std::string(buffer + position, sizeof buffer - position);
}

std::string FormatQuantity(int64_t thousandths) {
  std::string text = FormatFixed(thousandths, kQuantityScale);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

int64_t MulDivRoundHalfUp(int64_t a, int64_t b, int64_t d) {
  CHECK(a >= 0 && b >= 0 && d > 0);
  __int128 product = static_cast<__int128>(a) * b;
  // Half up: floor((2 * a * b + d) / (2 * d)).
  __int128 quotient = (product * 2 + d) / (2 * static_cast<__int128>(d));
  CHECK(quotient <= std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(quotient);
}

bool AddOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_add_overflow(a, b, out); }

}  // namespace twoline
