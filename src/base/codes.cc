#include "base/codes.h"

#include <algorithm>

#include "base/iso_codes_table.h"

namespace twoline {
namespace {

bool InTable(const std::string_view* table, size_t count, std::string_view code) {
  return std::binary_search(table, table + count, code);
}

}  // namespace

const IsoCodes& IsoCodes::Get() {
  static const IsoCodes codes;
  return codes;
}

bool IsoCodes::IsCountry(std::string_view alpha2) const {
  return InTable(iso_codes_table::kCountries, iso_codes_table::kCountriesCount, alpha2);
}
bool IsoCodes::IsSubdivision(std::string_view code) const {
  return InTable(iso_codes_table::kSubdivisions, iso_codes_table::kSubdivisionsCount, code);
}
bool IsoCodes::IsCurrency(std::string_view code) const {
  return InTable(iso_codes_table::kCurrencies, iso_codes_table::kCurrenciesCount, code);
}
size_t IsoCodes::countries() const { return iso_codes_table::kCountriesCount; }
size_t IsoCodes::subdivisions() const { return iso_codes_table::kSubdivisionsCount; }
size_t IsoCodes::currencies() const { return iso_codes_table::kCurrenciesCount; }

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> NormalizeHsCode(std::string_view text) {
  std::string digits;
  bool previous_dot = true;  // no leading dot
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits += c;
      previous_dot = false;
    } else if (c == '.' && !previous_dot) {
      previous_dot = true;
    } else {
      return Error{"HS code \"" + std::string(text.substr(0, 20)) +
                   "\" must be 6-10 digits, dots allowed between digits"};
    }
  }
  if (previous_dot || digits.size() < 6 || digits.size() > 10) {
    return Error{"HS code \"" + std::string(text.substr(0, 20)) +
                 "\" must be 6-10 digits, dots allowed between digits"};
  }
  return digits;
}

}  // namespace twoline
