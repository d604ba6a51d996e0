// The ISO code tables compiled into the binary: ISO 3166-1 alpha-2 countries, ISO 3166-2
// subdivisions and ISO 4217 currencies, each sorted bytewise. The definitions are generated at
// build time from the iso-codes package's JSON (iso_codes_table.py, run by CMake), so that a
// running binary never reads the host's files: what a journaled command decides cannot change with
// a package upgrade, only with a new binary (docs/journal.md). Use them through IsoCodes (codes.h).
// Thread-safety: constant data.
#pragma once

#include <cstddef>
#include <string_view>

namespace twoline::iso_codes_table {

extern const std::string_view kCountries[];
extern const size_t kCountriesCount;
extern const std::string_view kSubdivisions[];
extern const size_t kSubdivisionsCount;
extern const std::string_view kCurrencies[];
extern const size_t kCurrenciesCount;

}  // namespace twoline::iso_codes_table
