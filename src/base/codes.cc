#include "base/codes.h"

#include <cstdlib>
#include <simdjson.h>

#include "base/check.h"

namespace twoline {
namespace {

void LoadCodes(const std::string& path, const char* list_key, const char* code_key,
               std::unordered_set<std::string>* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  auto error = parser.load(path).get(document);
  if (error) {
    std::fprintf(stderr, "twoline: cannot read %s (package iso-codes): %s\n", path.c_str(),
                 simdjson::error_message(error));
    std::abort();
  }
  simdjson::dom::array entries;
  CHECK(!document[list_key].get(entries));
  for (simdjson::dom::element entry : entries) {
    std::string_view code;
    if (!entry[code_key].get(code)) out->emplace(code);
  }
}

}  // namespace

IsoCodes::IsoCodes() {
  const char* dir = std::getenv("TWOLINE_ISO_CODES_DIR");
  std::string base = dir ? dir : "/usr/share/iso-codes/json";
  LoadCodes(base + "/iso_3166-1.json", "3166-1", "alpha_2", &countries_);
  LoadCodes(base + "/iso_3166-2.json", "3166-2", "code", &subdivisions_);
  LoadCodes(base + "/iso_4217.json", "4217", "alpha_3", &currencies_);
  CHECK(countries_.size() > 200 && subdivisions_.size() > 3000 && currencies_.size() > 100);
}

const IsoCodes& IsoCodes::Get() {
  static const IsoCodes* codes = new IsoCodes();
  return *codes;
}

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
