#include "policy/tariff.h"

#include <optional>
#include <set>

#include "base/decimal.h"

namespace twoline::policy {
namespace {

// A duty above 1000% is certainly a typo (the highest Chinese general rates are far below it); VAT
// is a share of the value and cannot exceed it.
constexpr int64_t kCustomsDutyPpmMax = 10 * kRateOne;
constexpr int64_t kVatPpmMax = kRateOne;

// Splits one CSV line into fields. Quoted fields may contain commas and doubled quotes; a field
// cannot span lines (tariff descriptions never need that). Returns nullopt on a malformed quote.
std::optional<std::vector<std::string>> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  bool field_started_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == ',') {
      fields.emplace_back();
      field_started_quoted = false;
    } else if (c == '"' && fields.back().empty() && !field_started_quoted) {
      quoted = true;
      field_started_quoted = true;
    } else if (field_started_quoted) {
      return std::nullopt;  // text after a closing quote
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

class CsvReporter {
 public:
  CsvReporter(std::string_view file_name, std::vector<std::string>* messages)
      : file_name_(file_name), messages_(messages) {}
  void Add(size_t line, std::string_view what) {
    messages_->push_back(std::string(file_name_) + ":" + std::to_string(line) + ": " +
                         std::string(what));
  }

 private:
  std::string_view file_name_;
  std::vector<std::string>* messages_;
};

// Parses a rate field; reports and returns nullopt when it is not a decimal within [0, max].
std::optional<int64_t> ParseRateField(const std::string& text, std::string_view column,
                                      int64_t max_ppm, size_t line, CsvReporter* reporter) {
  Result<int64_t> rate = ParseFixed(text, kRateScale, false, column);
  if (!rate.ok()) {
    reporter->Add(line, rate.error().message);
    return std::nullopt;
  }
  if (*rate > max_ppm) {
    reporter->Add(line, std::string(column) + " \"" + text + "\" is above " +
                            std::to_string(max_ppm / kRateOne));
    return std::nullopt;
  }
  return *rate;
}

// Parses one data row; reports problems and returns nullopt for a row that cannot be used.
std::optional<TariffRow> ParseRow(std::string_view text, size_t line, CsvReporter* reporter) {
  std::optional<std::vector<std::string>> fields = SplitCsvLine(text);
  if (!fields) {
    reporter->Add(line, "malformed quoted field");
    return std::nullopt;
  }
  if (fields->size() != 4) {
    reporter->Add(line, "expected 4 fields (" + std::string(kTariffHeader) + "), found " +
                            std::to_string(fields->size()));
    return std::nullopt;
  }
  TariffRow row;
  row.hs_prefix = (*fields)[0];
  row.description = (*fields)[3];
  bool ok = true;
  if (!IsHsPrefix(row.hs_prefix)) {
    reporter->Add(line, "hs_prefix \"" + row.hs_prefix + "\" must be 2-10 digits or \"*\"");
    ok = false;
  }
  std::optional<int64_t> duty =
      ParseRateField((*fields)[1], "customs_duty_rate", kCustomsDutyPpmMax, line, reporter);
  std::optional<int64_t> vat = ParseRateField((*fields)[2], "vat_rate", kVatPpmMax, line, reporter);
  if (!ok || !duty || !vat) return std::nullopt;
  row.customs_duty_ppm = *duty;
  row.vat_ppm = *vat;
  return row;
}

}  // namespace

bool IsHsPrefix(std::string_view prefix) {
  if (prefix == "*") return true;
  if (prefix.size() < 2 || prefix.size() > 10) return false;
  for (char c : prefix) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int HsPrefixMatch(std::string_view hs_code, std::string_view prefix) {
  if (prefix == "*") return 0;
  size_t matched = 0;
  for (char c : hs_code) {
    if (matched == prefix.size()) break;
    if (c == '.') continue;
    if (c != prefix[matched]) return -1;
    ++matched;
  }
  return matched == prefix.size() ? static_cast<int>(matched) : -1;
}

std::vector<TariffRow> ParseTariffCsv(std::string_view text, std::string_view file_name,
                                      std::vector<std::string>* messages) {
  CsvReporter reporter(file_name, messages);
  std::vector<TariffRow> rows;
  std::set<std::string, std::less<>> prefixes;
  size_t header_line = 0;
  size_t line_number = 0;
  size_t position = 0;
  while (position < text.size()) {
    size_t end = text.find('\n', position);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(position, end - position);
    position = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (header_line == 0) {
      header_line = line_number;
      if (line != kTariffHeader) {
        reporter.Add(line_number, "header must be \"" + std::string(kTariffHeader) + "\"");
      }
      continue;
    }
    std::optional<TariffRow> row = ParseRow(line, line_number, &reporter);
    if (!row) continue;
    if (!prefixes.insert(row->hs_prefix).second) {
      reporter.Add(line_number, "duplicate hs_prefix \"" + row->hs_prefix + "\"");
      continue;
    }
    if (rows.size() == kTariffRowsMax) {
      reporter.Add(line_number, "more than " + std::to_string(kTariffRowsMax) + " rows");
      break;
    }
    rows.push_back(std::move(*row));
  }
  if (header_line == 0) {
    reporter.Add(1, "empty tariff file: expected the header \"" + std::string(kTariffHeader) +
                        "\" and rows");
  } else if (!prefixes.count("*")) {
    reporter.Add(header_line, "no \"*\" row: the tariff needs a rate for everything else");
  }
  return rows;
}

}  // namespace twoline::policy
