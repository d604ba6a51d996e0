// Exact decimal amounts: money in fen, quantities in thousandths, rates in millionths.
//
// Everything that a customs decision compares or sums is an int64 fixed-point value parsed from a
// decimal string; binary floating point never touches money. Parsing is strict: optional leading
// digits, an optional fraction of at most `scale` digits, no exponent, no sign unless allowed, no
// spaces, no leading '+', at least one digit, and no overflow of int64 after scaling.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace twoline {

inline constexpr int kMoneyScale = 2;     // fen
inline constexpr int kQuantityScale = 3;  // thousandths
inline constexpr int kRateScale = 6;      // millionths (parts per million)
inline constexpr int64_t kRateOne = 1000000;

// Parses a non-negative (or, with allow_negative, signed) decimal with at most `scale` fraction
// digits into an integer scaled by 10^scale. `what` names the field in the error message.
Result<int64_t> ParseFixed(std::string_view text, int scale, bool allow_negative,
                           std::string_view what);

inline Result<int64_t> ParseMoney(std::string_view text) {
  return ParseFixed(text, kMoneyScale, false, "amount");
}
inline Result<int64_t> ParseQuantity(std::string_view text) {
  return ParseFixed(text, kQuantityScale, false, "quantity");
}
inline Result<int64_t> ParseRate(std::string_view text) {
  return ParseFixed(text, kRateScale, false, "rate");
}

// Formats a scaled integer with exactly `scale` fraction digits ("1560.00", "-0.50").
std::string FormatFixed(int64_t value, int scale);
inline std::string FormatMoney(int64_t fen) { return FormatFixed(fen, kMoneyScale); }
// Quantities print without trailing zeros in the fraction ("50", "0.5", "1.25").
std::string FormatQuantity(int64_t thousandths);

// round_half_up(a * b / d) for non-negative a, b and positive d, computed in 128 bits.
// CHECKs that the result fits in int64.
int64_t MulDivRoundHalfUp(int64_t a, int64_t b, int64_t d);

// Checked addition for amounts; false on overflow.
bool AddOverflows(int64_t a, int64_t b, int64_t* out);

}  // namespace twoline
