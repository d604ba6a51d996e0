// Validation of identifiers and codes: command ids, ISO 3166-1/3166-2 and ISO 4217 currencies (the
// iso-codes package's lists, not a hand-typed subset, compiled into the binary at build time:
// iso_codes_table.h), and HS codes.
//
// Thread-safety: IsoCodes is constant data; every function is pure.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace twoline {

// The code tables the binary was built with. They never read a file: replay depends on the journal
// and the binary alone (docs/journal.md).
class IsoCodes {
 public:
  static const IsoCodes& Get();

  bool IsCountry(std::string_view alpha2) const;
  bool IsSubdivision(std::string_view code) const;
  bool IsCurrency(std::string_view code) const;
  // A country ("JP") or a subdivision ("JP-04").
  bool IsOrigin(std::string_view code) const { return IsCountry(code) || IsSubdivision(code); }
  // How many codes each table holds (for tests and diagnostics).
  size_t countries() const;
  size_t subdivisions() const;
  size_t currencies() const;

 private:
  IsoCodes() = default;
};

// 1–128 characters of [A-Za-z0-9._:-].
bool IsValidId(std::string_view id);

// An HS code of 6–10 digits, dots allowed between digits ("3301.29", "8471300000"); returns the
// digits alone.
Result<std::string> NormalizeHsCode(std::string_view text);

}  // namespace twoline
