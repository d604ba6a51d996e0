// Tariff tables by HS-code prefix: the prefix syntax, longest-prefix matching and the CSV parser.
//
// A tariff file is CSV with the header `hs_prefix,customs_duty_rate,vat_rate,description`, one row
// per prefix, and a `*` row for everything else. Blank lines and lines starting with `#` are
// comments (the built-in file uses them to say that its rates are sample data). Fields may be
// quoted with `"` (a quote inside a quoted field is doubled). Rates are decimal strings parsed
// exactly into millionths. After a successful parse: prefixes are unique, valid, and one of them is
// `*`. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/profile.h"

namespace twoline::policy {

inline constexpr std::string_view kTariffHeader =
    "hs_prefix,customs_duty_rate,vat_rate,description";
inline constexpr size_t kTariffRowsMax = 100000;  // the full Chinese schedule has about 8,000 lines

// True for "*" or 2 to 10 ASCII digits (an HS chapter, heading, subheading or national line).
bool IsHsPrefix(std::string_view prefix);

// How well `prefix` matches `hs_code`: the number of prefix digits when the code's digits (dots
// ignored, so "3301.29" and "330129" are the same code) start with them, 0 for "*", and -1 when the
// prefix does not match. Longest-prefix lookups keep the row with the highest value.
int HsPrefixMatch(std::string_view hs_code, std::string_view prefix);

// Parses tariff CSV text. Every problem is appended to `messages` as "file_name:line: what is
// wrong"; the rows that parsed are returned either way.
std::vector<TariffRow> ParseTariffCsv(std::string_view text, std::string_view file_name,
                                      std::vector<std::string>* messages);

}  // namespace twoline::policy
