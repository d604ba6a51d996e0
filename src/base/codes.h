// Validation of identifiers and codes: command ids, ISO 3166-1/3166-2 (from the iso-codes
// package's data, not a hand-typed list), ISO 4217 currencies, and HS codes.
//
// Thread-safety: IsoCodes::Get() loads the tables once (thread-safe static) and is read-only after.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "base/result.h"

namespace twoline {

class IsoCodes {
 public:
  // Loads /usr/share/iso-codes/json (or $TWOLINE_ISO_CODES_DIR). CHECKs that the data is present:
  // the package is a declared dependency, so its absence is an installation defect.
  static const IsoCodes& Get();

  bool IsCountry(std::string_view alpha2) const { return countries_.count(std::string(alpha2)); }
  bool IsSubdivision(std::string_view code) const { return subdivisions_.count(std::string(code)); }
  bool IsCurrency(std::string_view code) const { return currencies_.count(std::string(code)); }
  // A country ("JP") or a subdivision ("JP-04").
  bool IsOrigin(std::string_view code) const { return IsCountry(code) || IsSubdivision(code); }

 private:
  IsoCodes();
  std::unordered_set<std::string> countries_;
  std::unordered_set<std::string> subdivisions_;
  std::unordered_set<std::string> currencies_;
};

// 1–128 characters of [A-Za-z0-9._:-].
bool IsValidId(std::string_view id);

// An HS code of 6–10 digits, dots allowed between digits ("3301.29", "8471300000"); returns the
// digits alone.
Result<std::string> NormalizeHsCode(std::string_view text);

}  // namespace twoline
