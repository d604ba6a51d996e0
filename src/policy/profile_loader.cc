// Profile loading: toml++ parses the text; TableReader reads each table's keys into the Profile
// structs, reporting wrong types, bad values and unknown keys with their lines; the Check*
// functions then compare items (duplicates, references, overlapping windows, gates per line); the
// tariff CSV is parsed last (tariff.h). Nothing stops at the first problem: every message is
// collected.
#include "policy/profile_loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "base/codes.h"
#include "base/decimal.h"
#include "base/sha256.h"
#include "base/time.h"
#include "policy/tariff.h"

#ifndef TWOLINE_ZONES_DIR
#define TWOLINE_ZONES_DIR "zones"
#endif

namespace twoline::policy {
namespace {

// ---------------------------------------------------------------------------------------------
// Vocabularies. Names are the SPEC's standard names; anything else is a typo to report.

template <typename T>
struct Named {
  std::string_view name;
  T value;
};

constexpr Named<Line> kLineNames[] = {{"first", Line::kFirst}, {"second", Line::kSecond}};
constexpr Named<Direction> kDirectionNames[] = {{"in", Direction::kIn}, {"out", Direction::kOut}};
constexpr Named<Lane> kLaneNames[] = {{"general", Lane::kGeneral},
                                      {"whitelist", Lane::kWhitelist},
                                      {"goods", Lane::kGoods},
                                      {"vehicle", Lane::kVehicle}};
constexpr Named<ListKind> kListKindNames[] = {
    {"persons", ListKind::kPersons}, {"parties", ListKind::kParties}, {"goods", ListKind::kGoods}};
constexpr Named<GoodsAction> kActionNames[] = {
    {"ban", GoodsAction::kBan},
    {"hold_for_test", GoodsAction::kHoldForTest},
    {"require_certificates", GoodsAction::kRequireCertificates},
    {"hold", GoodsAction::kHold},
    {"tax_free", GoodsAction::kTaxFree}};
constexpr Named<Credit> kCreditNames[] = {{"advanced", Credit::kAdvanced},
                                          {"general", Credit::kGeneral},
                                          {"dishonest", Credit::kDishonest}};

constexpr std::string_view kDocumentTypes[] = {
    "passport",     "visa",  "home_return_permit", "hk_mo_exit_entry_permit",
    "mainland_id",  "hk_id", "macao_id",           "zone_permit",
    "talent_permit"};
constexpr std::string_view kCertificates[] = {
    "health",          "origin", "radioactive_test", "strontium_tritium_test", "quarantine_permit",
    "biosafety_permit"};
constexpr std::string_view kNuclides[] = {"I-131", "Cs-134", "Cs-137"};
constexpr std::string_view kDeclarationKinds[] = {
    "first_line_in", "first_line_out", "second_line_in", "second_line_out",
    "transfer",      "consume",        "scrap"};
// Ledger statuses that goods admitted at the first line may take (SPEC §4.6).
constexpr std::string_view kAdmissionStatuses[] = {"bonded", "tax_free", "duty_paid", "domestic"};
// What lies beyond a line when it is not a country.
constexpr std::string_view kOutsideWords[] = {"mainland", "world", "shenzhen-park"};

template <typename T, size_t N>
std::optional<T> FromName(const Named<T> (&names)[N], std::string_view name) {
  for (const Named<T>& named : names) {
    if (named.name == name) return named.value;
  }
  return std::nullopt;
}

template <typename T, size_t N>
std::string Choices(const Named<T> (&names)[N]) {
  std::string out;
  for (const Named<T>& named : names) out += (out.empty() ? "" : ", ") + std::string(named.name);
  return out;
}

template <size_t N>
std::string Choices(const std::string_view (&names)[N]) {
  std::string out;
  for (std::string_view name : names) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

template <size_t N>
bool Contains(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// A scaled value without trailing fraction zeros, for messages ("1", "0.5").
std::string TrimmedDecimal(int64_t value, int scale) {
  std::string text = FormatFixed(value, scale);
  if (text.find('.') == std::string::npos) return text;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// Edit distance, to suggest the key an author probably meant ("direciton" -> "direction").
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// ---------------------------------------------------------------------------------------------
// Value checks: each returns "" when the value is acceptable, else what is wrong with it.

using Check = std::function<std::string(std::string_view)>;

template <size_t N>
Check OneOf(const std::string_view (&names)[N], std::string_view noun) {
  return [&names, noun](std::string_view value) -> std::string {
    if (Contains(names, value)) return "";
    return "unknown " + std::string(noun) + " " + Quoted(value) + " (expected " + Choices(names) +
           ")";
  };
}

std::string CheckId(std::string_view value) {
  return IsValidId(value) ? "" : Quoted(value) + " must be 1-128 characters of [A-Za-z0-9._:-]";
}

// List names, item tags and purposes are lower-case words so that they read the same everywhere.
std::string CheckWord(std::string_view value) {
  bool ok = !value.empty() && value.size() <= 64;
  for (char c : value) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  }
  return ok ? "" : Quoted(value) + " must be 1-64 characters of [a-z0-9_-]";
}

std::string CheckNonEmpty(std::string_view value) {
  return value.empty() ? "must not be empty" : "";
}

std::string CheckHsPrefix(std::string_view value) {
  return IsHsPrefix(value) ? "" : "HS prefix " + Quoted(value) + " must be 2-10 digits or \"*\"";
}

std::string CheckOrigin(std::string_view value) {
  return IsoCodes::Get().IsOrigin(value)
             ? ""
             : Quoted(value) + " is not an ISO 3166-1 country or ISO 3166-2 subdivision code";
}

std::string CheckCountry(std::string_view value) {
  return IsoCodes::Get().IsCountry(value) ? ""
                                          : Quoted(value) + " is not an ISO 3166-1 country code";
}

std::string CheckOutside(std::string_view value) {
  if (IsoCodes::Get().IsCountry(value) || Contains(kOutsideWords, value)) return "";
  return Quoted(value) + " must be an ISO 3166-1 country code or one of " + Choices(kOutsideWords);
}

std::string CheckExchangeCurrency(std::string_view value) {
  if (value == "CNY") return "CNY needs no exchange rate (amounts are assessed in CNY)";
  return IsoCodes::Get().IsCurrency(value) ? "" : Quoted(value) + " is not an ISO 4217 currency";
}

std::string CheckZoneCurrency(std::string_view value) {
  if (!IsoCodes::Get().IsCurrency(value)) return Quoted(value) + " is not an ISO 4217 currency";
  // Assessments are in CNY (SPEC §3) and exchange rates are CNY per unit, so no other works.
  return value == "CNY" ? "" : "only CNY is supported (assessments are in CNY)";
}

// "+08:00" -> 480 minutes east of UTC.
std::optional<int32_t> ParseUtcOffset(std::string_view text) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || !digit(1) || !digit(2) ||
      text[3] != ':' || !digit(4) || !digit(5)) {
    return std::nullopt;
  }
  int hours = (text[1] - '0') * 10 + (text[2] - '0');
  int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  if (hours > 14 || minutes > 59) return std::nullopt;
  int32_t total = hours * 60 + minutes;
  return text[0] == '-' ? -total : total;
}

std::string CheckUtcOffset(std::string_view value) {
  return ParseUtcOffset(value) ? "" : Quoted(value) + " must be a UTC offset such as \"+08:00\"";
}

// The area is written into JSON unquoted, so it must also be a valid JSON number.
std::string CheckArea(std::string_view value) {
  Result<int64_t> area = ParseFixed(value, kQuantityScale, false, "area_km2");
  if (!area.ok()) return area.error().message;
  if (*area == 0) return "area_km2 must be positive";
  if (value.size() > 1 && value[0] == '0' && value[1] != '.') return "area_km2 has leading zeros";
  return "";
}

// ---------------------------------------------------------------------------------------------
// Diagnostics and the positions of what was read.

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void Add(int64_t line, std::string_view what) {
    line = std::max<int64_t>(line, 1);
    messages_.push_back({line, file_ + ":" + std::to_string(line) + ": " + std::string(what)});
  }
  bool empty() const { return messages_.empty(); }
  // Messages in line order (reading order breaks ties), so that a report reads top to bottom.
  std::vector<std::string> Sorted() const {
    std::vector<std::pair<int64_t, std::string>> sorted = messages_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& message : sorted) out.push_back(std::move(message.second));
    return out;
  }

 private:
  std::string file_;
  std::vector<std::pair<int64_t, std::string>> messages_;
};

// Where an item's keys are, for the checks that compare items after all are read.
struct Where {
  std::string path;  // as in messages: "gates[2]"
  int64_t table_line = 1;
  bool effective_valid = true;  // false when a date was bad: the window is unknown
  std::map<std::string, int64_t, std::less<>> key_lines;
  int64_t Of(std::string_view key) const {
    auto it = key_lines.find(key);
    return it == key_lines.end() ? table_line : it->second;
  }
};

enum class Need { kOptional, kRequired };

struct DecimalSpec {
  int scale = kRateScale;
  int64_t max = std::numeric_limits<int64_t>::max();
  bool positive = false;
};

const char* TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

int64_t LineOf(const toml::node& node) { return node.source().begin.line; }

// Reads the keys of one TOML table, remembering which keys it asked for so that Finish() can
// report every other key as unknown. Each getter reports its own problems and returns nullopt (or
// drops the element) for a value that cannot be used.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Diagnostics* diagnostics)
      : table_(table), path_(std::move(path)), diagnostics_(diagnostics) {
    where_.path = path_;
    where_.table_line = LineOf(table);
    for (auto&& [key, node] : table) where_.key_lines[std::string(key.str())] = LineOf(node);
  }

  const Where& where() const { return where_; }
  const std::string& path() const { return path_; }
  Diagnostics* diagnostics() const { return diagnostics_; }
  void MarkEffectiveInvalid() { where_.effective_valid = false; }

  std::string KeyPath(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  // Reports a problem with a key's value, at the value's line.
  void Report(std::string_view key, std::string_view what) const {
    diagnostics_->Add(where_.Of(key), KeyPath(key) + ": " + std::string(what));
  }
  // Reports a problem with the table as a whole, at its header's line.
  void ReportTable(std::string_view what) const {
    diagnostics_->Add(where_.table_line, (path_.empty() ? "" : path_ + ": ") + std::string(what));
  }

  std::optional<std::string> String(std::string_view key, Need need, const Check& check = {});
  std::optional<bool> Bool(std::string_view key, Need need);
  std::optional<int64_t> Integer(std::string_view key, Need need, int64_t min, int64_t max);
  std::optional<Date> DateValue(std::string_view key, Need need);
  std::optional<int64_t> Decimal(std::string_view key, Need need, const DecimalSpec& spec);
  std::vector<std::string> Strings(std::string_view key, Need need, const Check& check);
  const toml::table* Table(std::string_view key, Need need);
  const toml::array* Array(std::string_view key, Need need);

  template <typename T, size_t N>
  std::optional<T> Enum(std::string_view key, Need need, const Named<T> (&names)[N],
                        std::string_view noun) {
    std::optional<std::string> text = String(key, need, [&](std::string_view value) {
      return FromName(names, value) ? std::string()
                                    : "unknown " + std::string(noun) + " " + Quoted(value) +
                                          " (expected " + Choices(names) + ")";
    });
    if (!text) return std::nullopt;
    return FromName(names, *text);
  }

  // Reports every key no getter asked for; `noun` names what such a key would be.
  void Finish(std::string_view noun = "key") const;

 private:
  const toml::node* Find(std::string_view key, Need need) {
    known_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr && need == Need::kRequired) {
      ReportTable("missing required key " + Quoted(key));
    }
    return node;
  }
  void WrongType(std::string_view key, const toml::node& node, std::string_view expected) const {
    Report(key, "expected " + std::string(expected) + ", found " + TypeName(node));
  }

  const toml::table& table_;
  std::string path_;
  Diagnostics* diagnostics_;
  Where where_;
  std::set<std::string, std::less<>> known_;
};

std::optional<std::string> TableReader::String(std::string_view key, Need need,
                                               const Check& check) {
  const toml::node* node = Find(key, need);
  if (node == nullptr) return std::nullopt;
  const toml::value<std::string>* value = node->as_string();
  if (value == nullptr) {
    std::string expected = "a string";
    if (node->is_integer()) {
      expected += " (write " + Quoted(std::to_string(node->as_integer()->get())) + ")";
    }
    WrongType(key, *node, expected);
    return std::nullopt;
  }
  std::string problem = need == Need::kRequired ? CheckNonEmpty(value->get()) : "";
  if (problem.empty() && check) problem = check(value->get());
  if (!problem.empty()) {
    Report(key, problem);
    return std::nullopt;
  }
  return value->get();
}

std::optional<bool> TableReader::Bool(std::string_view key, Need need) {
  const toml::node* node = Find(key, need);
  if (node == nullptr) return std::nullopt;
  if (!node->is_boolean()) {
    WrongType(key, *node, "true or false");
    return std::nullopt;
  }
  return node->as_boolean()->get();
}

std::optional<int64_t> TableReader::Integer(std::string_view key, Need need, int64_t min,
                                            int64_t max) {
  const toml::node* node = Find(key, need);
  if (node == nullptr) return std::nullopt;
  if (!node->is_integer()) {
    WrongType(key, *node, "an integer");
    return std::nullopt;
  }
  int64_t value = node->as_integer()->get();
  if (value < min || value > max) {
    Report(key, std::to_string(value) + " is outside " + std::to_string(min) + ".." +
                    std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<Date> TableReader::DateValue(std::string_view key, Need need) {
  const toml::node* node = Find(key, need);
  if (node == nullptr) return std::nullopt;
  std::string text;
  if (const toml::value<std::string>* string = node->as_string()) {
    text = string->get();
  } else if (const toml::value<toml::date>* date = node->as_date()) {
    // A TOML date goes through the same text parser so that both spellings get the same checks.
    std::ostringstream formatted;
    formatted << date->get();
    text = formatted.str();
  } else {
    WrongType(key, *node, "a date \"YYYY-MM-DD\"");
    return std::nullopt;
  }
  Result<Date> date = ParseDate(text);
  if (!date.ok()) {
    Report(key, date.error().message);
    return std::nullopt;
  }
  return *date;
}

std::optional<int64_t> TableReader::Decimal(std::string_view key, Need need,
                                            const DecimalSpec& spec) {
  const toml::node* node = Find(key, need);
  if (node == nullptr) return std::nullopt;
  const toml::value<std::string>* string = node->as_string();
  if (string == nullptr) {
    // Money, rates and quantities are exact decimals: a TOML number would be a binary float or
    // an integer that looks the same as a float to most authors, so both are refused.
    std::string hint;
    if (node->is_integer()) hint = "; write " + Quoted(std::to_string(node->as_integer()->get()));
    if (node->is_floating_point()) hint = "; binary floating point is never used for amounts";
    Report(key, "expected a decimal string such as \"0.13\", found " +
                    std::string(TypeName(*node)) + hint);
    return std::nullopt;
  }
  Result<int64_t> value = ParseFixed(string->get(), spec.scale, false, key);
  if (!value.ok()) {
    Report(key, value.error().message);
    return std::nullopt;
  }
  if (spec.positive && *value == 0) {
    Report(key, "must be greater than zero");
    return std::nullopt;
  }
  if (*value > spec.max) {
    Report(key, Quoted(string->get()) + " is above " + TrimmedDecimal(spec.max, spec.scale));
    return std::nullopt;
  }
  return *value;
}

std::vector<std::string> TableReader::Strings(std::string_view key, Need need, const Check& check) {
  std::vector<std::string> out;
  const toml::node* node = Find(key, need);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    WrongType(key, *node, "an array of strings");
    return out;
  }
  if (array->empty() && need == Need::kRequired) Report(key, "must not be empty");
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string element_path = KeyPath(key) + "[" + std::to_string(i) + "]";
    const toml::value<std::string>* value = element.as_string();
    if (value == nullptr) {
      diagnostics_->Add(LineOf(element),
                        element_path + ": expected a string, found " + TypeName(element));
      continue;
    }
    std::string problem = CheckNonEmpty(value->get());
    if (problem.empty() && check) problem = check(value->get());
    if (!problem.empty()) {
      diagnostics_->Add(LineOf(element), element_path + ": " + problem);
      continue;
    }
    out.push_back(value->get());
  }
  return out;
}

const toml::table* TableReader::Table(std::string_view key, Need need) {
  const toml::node* node = Find(key, need);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    WrongType(key, *node, "a table");
    return nullptr;
  }
  return node->as_table();
}

const toml::array* TableReader::Array(std::string_view key, Need need) {
  const toml::node* node = Find(key, need);
  if (node == nullptr) return nullptr;
  if (!node->is_array()) {
    WrongType(key, *node, "an array of tables ([[" + KeyPath(key) + "]])");
    return nullptr;
  }
  return node->as_array();
}

void TableReader::Finish(std::string_view noun) const {
  for (auto&& [key, node] : table_) {
    if (known_.count(key.str())) continue;
    std::string message = "unknown " + std::string(noun) + " " + Quoted(key.str());
    message += path_.empty() ? " at the top level" : " in " + path_;
    std::string_view best;
    size_t best_distance = 3;  // suggest only near misses
    for (const std::string& candidate : known_) {
      size_t distance = EditDistance(key.str(), candidate);
      if (distance < best_distance) {
        best = candidate;
        best_distance = distance;
      }
    }
    if (!best.empty()) message += " (did you mean " + Quoted(best) + "?)";
    diagnostics_->Add(key.source().begin.line, message);
  }
}

// Reads each table of the array `key` (written [[key]]) with `read_one`, then reports its unknown
// keys. Elements that are not tables are reported and skipped.
template <typename ReadOne>
void ForEachTable(TableReader& parent, std::string_view key, Need need, ReadOne read_one) {
  const toml::array* array = parent.Array(key, need);
  if (array == nullptr) return;
  if (array->empty() && need == Need::kRequired) parent.Report(key, "must not be empty");
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string path = parent.KeyPath(key) + "[" + std::to_string(i) + "]";
    if (!element.is_table()) {
      parent.diagnostics()->Add(LineOf(element),
                                path + ": expected a table, found " + TypeName(element));
      continue;
    }
    TableReader reader(*element.as_table(), path, parent.diagnostics());
    read_one(reader);
    reader.Finish();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the sections of a profile.

// Line numbers of every item read, parallel to the Profile's vectors.
struct Locations {
  Where top;
  Where zone;
  Where goods;
  std::vector<Where> lines, gates, lists, person_rules, allowances, fresh_food,
      personal_article_rates, exchange_rates, rules, radiation_limits;
};

Effective ReadEffective(TableReader& reader) {
  Effective effective;
  std::optional<Date> from = reader.DateValue("effective_from", Need::kOptional);
  std::optional<Date> until = reader.DateValue("effective_until", Need::kOptional);
  if (from) effective.from = *from;
  if (until) effective.until = *until;
  const Where& where = reader.where();
  if ((!from && where.key_lines.count("effective_from")) ||
      (!until && where.key_lines.count("effective_until"))) {
    reader.MarkEffectiveInvalid();  // the bad date was reported; overlaps cannot be judged
  }
  if (from && until && *from >= *until) {
    reader.Report("effective_from", "effective_from " + FormatDate(*from) +
                                        " is not before effective_until " + FormatDate(*until));
    reader.MarkEffectiveInvalid();
  }
  return effective;
}

void ReadZone(TableReader& reader, Profile* profile) {
  profile->id = reader.String("id", Need::kRequired, CheckId).value_or("");
  profile->name = reader.String("name", Need::kRequired).value_or("");
  profile->area_km2 = reader.String("area_km2", Need::kRequired, CheckArea).value_or("");
  profile->positioning = reader.String("positioning", Need::kRequired).value_or("");
  profile->parks = reader.Strings("parks", Need::kOptional, {});
  if (auto offset = reader.String("utc_offset", Need::kOptional, CheckUtcOffset)) {
    profile->utc_offset_minutes = *ParseUtcOffset(*offset);
  }
  profile->currency = reader.String("currency", Need::kOptional, CheckZoneCurrency).value_or("CNY");
  profile->allowed_skew_seconds =
      reader.Integer("allowed_skew_seconds", Need::kOptional, 0, 86400).value_or(300);
}

bool ReadLine(TableReader& reader, Profile* profile) {
  LineSpec spec;
  std::optional<Line> line = reader.Enum("line", Need::kRequired, kLineNames, "line");
  spec.outside = reader.String("outside", Need::kRequired, CheckOutside).value_or("");
  spec.persons_controlled = reader.Bool("persons_controlled", Need::kOptional).value_or(false);
  spec.records_persons = reader.Bool("records_persons", Need::kOptional).value_or(false);
  if (!line) return false;  // which line it is was reported; checks across lines skip it
  spec.line = *line;
  profile->lines.push_back(std::move(spec));
  return true;
}

bool ReadGate(TableReader& reader, Profile* profile) {
  Gate gate;
  gate.id = reader.String("id", Need::kRequired, CheckId).value_or("");
  std::optional<Line> line = reader.Enum("line", Need::kRequired, kLineNames, "line");
  std::optional<Lane> lane = reader.Enum("lane", Need::kRequired, kLaneNames, "lane");
  gate.list = reader.String("list", Need::kOptional, CheckWord).value_or("");
  gate.effective = ReadEffective(reader);
  if (!line || !lane) return false;  // a gate of unknown line or lane cannot be checked further
  gate.line = *line;
  gate.lane = *lane;
  profile->gates.push_back(std::move(gate));
  return true;
}

bool ReadList(TableReader& reader, Profile* profile) {
  ListSpec list;
  list.name = reader.String("name", Need::kRequired, CheckWord).value_or("");
  list.kind = reader.Enum("kind", Need::kRequired, kListKindNames, "list kind")
                  .value_or(ListKind::kPersons);
  list.description = reader.String("description", Need::kOptional).value_or("");
  profile->lists.push_back(std::move(list));
  return true;
}

bool ReadPersonRule(TableReader& reader, Profile* profile) {
  PersonRule rule;
  rule.id = reader.String("id", Need::kRequired, CheckId).value_or("");
  std::optional<Line> line = reader.Enum("line", Need::kRequired, kLineNames, "line");
  std::optional<Direction> direction =
      reader.Enum("direction", Need::kRequired, kDirectionNames, "direction");
  rule.documents =
      reader.Strings("documents", Need::kRequired, OneOf(kDocumentTypes, "document type"));
  rule.effective = ReadEffective(reader);
  if (!line || !direction) return false;  // overlaps are judged per (line, direction)
  rule.line = *line;
  rule.direction = *direction;
  profile->person_rules.push_back(std::move(rule));
  return true;
}

bool ReadAllowance(TableReader& reader, Profile* profile) {
  Allowance allowance;
  allowance.id = reader.String("id", Need::kRequired, CheckId).value_or("");
  std::optional<Line> line = reader.Enum("line", Need::kRequired, kLineNames, "line");
  std::optional<Direction> direction =
      reader.Enum("direction", Need::kRequired, kDirectionNames, "direction");
  allowance.resident_of = reader.Strings("resident_of", Need::kOptional, CheckCountry);
  allowance.min_age =
      static_cast<int>(reader.Integer("min_age", Need::kOptional, 0, 150).value_or(0));
  DecimalSpec money{.scale = kMoneyScale};
  allowance.amount_fen = reader.Decimal("amount_cny", Need::kRequired, money).value_or(0);
  allowance.other_amount_fen =
      reader.Decimal("other_amount_cny", Need::kOptional, money).value_or(0);
  allowance.effective = ReadEffective(reader);
  if (!line || !direction) return false;  // overlaps are judged per (line, direction)
  allowance.line = *line;
  allowance.direction = *direction;
  profile->allowances.push_back(std::move(allowance));
  return true;
}

bool ReadFreshFood(TableReader& reader, Profile* profile) {
  FreshFoodRule rule;
  rule.id = reader.String("id", Need::kRequired, CheckId).value_or("");
  rule.list = reader.String("list", Need::kRequired, CheckWord).value_or("");
  rule.item_tag = reader.String("item_tag", Need::kRequired, CheckWord).value_or("");
  std::optional<Line> line = reader.Enum("line", Need::kRequired, kLineNames, "line");
  std::optional<Direction> direction =
      reader.Enum("direction", Need::kRequired, kDirectionNames, "direction");
  DecimalSpec quantity{.scale = kQuantityScale, .positive = true};
  rule.max_quantity_milli =
      reader.Decimal("max_quantity_kg", Need::kRequired, quantity).value_or(0);
  rule.per_day = static_cast<int>(reader.Integer("per_day", Need::kOptional, 1, 100).value_or(1));
  auto line_check = [](std::string_view value) {
    return FromName(kLineNames, value)
               ? std::string()
               : "unknown line " + Quoted(value) + " (expected " + Choices(kLineNames) + ")";
  };
  for (const std::string& name : reader.Strings("forbidden_lines", Need::kOptional, line_check)) {
    rule.forbidden_lines.push_back(*FromName(kLineNames, name));
  }
  rule.effective = ReadEffective(reader);
  if (!line || !direction) return false;
  rule.line = *line;
  rule.direction = *direction;
  profile->fresh_food.push_back(std::move(rule));
  return true;
}

bool ReadRateRow(TableReader& reader, Profile* profile) {
  RateRow row;
  row.hs_prefix = reader.String("hs_prefix", Need::kRequired, CheckHsPrefix).value_or("");
  row.rate_ppm = reader.Decimal("rate", Need::kRequired, DecimalSpec{.max = kRateOne}).value_or(0);
  row.description = reader.String("description", Need::kOptional).value_or("");
  profile->personal_article_rates.push_back(std::move(row));
  return true;
}

bool ReadExchangeRate(TableReader& reader, Profile* profile) {
  ExchangeRate rate;
  rate.currency = reader.String("currency", Need::kRequired, CheckExchangeCurrency).value_or("");
  rate.cny_per_unit_ppm =
      reader.Decimal("cny_per_unit", Need::kRequired, DecimalSpec{.positive = true}).value_or(0);
  rate.effective = ReadEffective(reader);
  profile->exchange_rates.push_back(std::move(rate));
  return true;
}

bool ReadGoodsRule(TableReader& reader, Profile* profile) {
  GoodsRule rule;
  rule.id = reader.String("id", Need::kRequired, CheckId).value_or("");
  rule.action =
      reader.Enum("action", Need::kRequired, kActionNames, "action").value_or(GoodsAction::kBan);
  rule.kinds =
      reader.Strings("kinds", Need::kOptional, OneOf(kDeclarationKinds, "declaration kind"));
  rule.hs_prefixes = reader.Strings("hs_prefixes", Need::kOptional, CheckHsPrefix);
  rule.exclude_hs_prefixes = reader.Strings("exclude_hs_prefixes", Need::kOptional, CheckHsPrefix);
  rule.origins = reader.Strings("origins", Need::kOptional, CheckOrigin);
  rule.exclude_origins = reader.Strings("exclude_origins", Need::kOptional, CheckOrigin);
  rule.produced_from = reader.DateValue("produced_from", Need::kOptional);
  rule.produced_until = reader.DateValue("produced_until", Need::kOptional);
  if (rule.produced_from && rule.produced_until && *rule.produced_from >= *rule.produced_until) {
    reader.Report("produced_from", "produced_from " + FormatDate(*rule.produced_from) +
                                       " is not before produced_until " +
                                       FormatDate(*rule.produced_until));
  }
  rule.item_tags = reader.Strings("item_tags", Need::kOptional, CheckWord);
  rule.list = reader.String("list", Need::kOptional, CheckWord).value_or("");
  rule.unless_list = reader.String("unless_list", Need::kOptional, CheckWord).value_or("");
  rule.purposes = reader.Strings("purposes", Need::kOptional, CheckWord);
  rule.certificates =
      reader.Strings("certificates", Need::kOptional, OneOf(kCertificates, "certificate"));
  rule.detail = reader.String("detail", Need::kOptional).value_or("");
  rule.effective = ReadEffective(reader);
  bool wants_certificates = rule.action == GoodsAction::kRequireCertificates;
  if (wants_certificates && rule.certificates.empty() &&
      !reader.where().key_lines.count("certificates")) {
    reader.ReportTable("action \"require_certificates\" needs a non-empty certificates list");
  } else if (!wants_certificates && !rule.certificates.empty()) {
    reader.Report("certificates", "certificates apply only to action \"require_certificates\"");
  }
  profile->goods.rules.push_back(std::move(rule));
  return true;
}

void ReadSampling(TableReader& reader, GoodsPolicy* goods) {
  DecimalSpec share{.max = kRateOne};
  for (const Named<Credit>& credit : kCreditNames) {
    std::optional<int64_t> rate = reader.Decimal(credit.name, Need::kOptional, share);
    if (!rate) continue;
    switch (credit.value) {
      case Credit::kAdvanced:
        goods->sampling_advanced_ppm = *rate;
        break;
      case Credit::kGeneral:
        goods->sampling_general_ppm = *rate;
        break;
      case Credit::kDishonest:
        goods->sampling_dishonest_ppm = *rate;
        break;
    }
  }
  reader.Finish("credit");
}

void ReadGoods(TableReader& reader, Profile* profile, Locations* where) {
  GoodsPolicy& goods = profile->goods;
  goods.first_line_in_status =
      reader.String("first_line_in_status", Need::kOptional, OneOf(kAdmissionStatuses, "status"))
          .value_or("bonded");
  goods.second_line_out_taxed =
      reader.Bool("second_line_out_taxed", Need::kOptional).value_or(false);
  goods.second_line_in_export =
      reader.Bool("second_line_in_export", Need::kOptional).value_or(false);
  goods.value_added_exemption_ppm =
      reader.Decimal("value_added_exemption", Need::kOptional, DecimalSpec{.max = kRateOne});
  goods.tariff_file = reader.String("tariff_file", Need::kOptional, CheckNonEmpty).value_or("");
  if (const toml::table* sampling = reader.Table("sampling", Need::kOptional)) {
    TableReader sampling_reader(*sampling, reader.KeyPath("sampling"), reader.diagnostics());
    ReadSampling(sampling_reader, &goods);
  }
  ForEachTable(reader, "rules", Need::kOptional, [&](TableReader& rule_reader) {
    if (ReadGoodsRule(rule_reader, profile)) where->rules.push_back(rule_reader.where());
  });
  where->goods = reader.where();
}

bool ReadRadiationLimit(TableReader& reader, Profile* profile) {
  RadiationLimit limit;
  limit.nuclides = reader.Strings("nuclides", Need::kRequired, OneOf(kNuclides, "nuclide"));
  limit.max_milli_bq_per_kg =
      reader.Decimal("max_bq_per_kg", Need::kRequired, DecimalSpec{.scale = kQuantityScale})
          .value_or(0);
  profile->goods.radiation_limits.push_back(std::move(limit));
  return true;
}

// Reads an array of tables into the profile with `read_one`, keeping the positions of each table
// that `read_one` added (it returns false for an item too broken to check against the others).
template <typename ReadOne>
void ReadSection(TableReader& top, std::string_view key, Need need, std::vector<Where>* where,
                 ReadOne read_one) {
  ForEachTable(top, key, need, [&](TableReader& reader) {
    if (read_one(reader)) where->push_back(reader.where());
  });
}

void ReadProfile(const toml::table& root, Diagnostics* diagnostics, Profile* p, Locations* w) {
  TableReader top(root, "", diagnostics);
  if (const toml::table* zone = top.Table("zone", Need::kRequired)) {
    TableReader reader(*zone, "zone", diagnostics);
    ReadZone(reader, p);
    reader.Finish();
    w->zone = reader.where();
  }
  auto bind = [p](bool (*read)(TableReader&, Profile*)) {
    return [p, read](TableReader& reader) { return read(reader, p); };
  };
  ReadSection(top, "lines", Need::kRequired, &w->lines, bind(ReadLine));
  ReadSection(top, "gates", Need::kRequired, &w->gates, bind(ReadGate));
  ReadSection(top, "lists", Need::kOptional, &w->lists, bind(ReadList));
  ReadSection(top, "person_rules", Need::kOptional, &w->person_rules, bind(ReadPersonRule));
  ReadSection(top, "allowances", Need::kOptional, &w->allowances, bind(ReadAllowance));
  ReadSection(top, "fresh_food", Need::kOptional, &w->fresh_food, bind(ReadFreshFood));
  ReadSection(top, "personal_article_rates", Need::kOptional, &w->personal_article_rates,
              bind(ReadRateRow));
  ReadSection(top, "exchange_rates", Need::kOptional, &w->exchange_rates, bind(ReadExchangeRate));
  ReadSection(top, "radiation_limits", Need::kOptional, &w->radiation_limits,
              bind(ReadRadiationLimit));
  if (const toml::table* goods = top.Table("goods", Need::kRequired)) {
    TableReader reader(*goods, "goods", diagnostics);
    ReadGoods(reader, p, w);
    reader.Finish();
  }
  top.Finish();
  w->top = top.where();
}

// ---------------------------------------------------------------------------------------------
// Checks across items, run after everything was read.

// A name (id, list name, prefix) with where it was written.
struct NameAt {
  std::string name;
  int64_t line = 1;
  std::string path;  // "gates[3].id"
};

// Reports each name seen before, at the later occurrence's line.
void ReportDuplicates(const std::vector<NameAt>& names, std::string_view what,
                      Diagnostics* diagnostics) {
  std::map<std::string, int64_t, std::less<>> first_seen;
  for (const NameAt& at : names) {
    if (at.name.empty()) continue;  // a missing name was reported already
    auto [it, inserted] = first_seen.emplace(at.name, at.line);
    if (!inserted) {
      diagnostics->Add(at.line, at.path + ": duplicate " + std::string(what) + " " +
                                    Quoted(at.name) + " (first defined on line " +
                                    std::to_string(it->second) + ")");
    }
  }
}

NameAt NameOf(const std::string& name, const Where& where, std::string_view key) {
  return NameAt{name, where.Of(key), where.path + "." + std::string(key)};
}

void CheckUniqueness(const Profile& p, const Locations& w, Diagnostics* diagnostics) {
  std::vector<NameAt> names;
  for (size_t i = 0; i < p.gates.size(); ++i)
    names.push_back(NameOf(p.gates[i].id, w.gates[i], "id"));
  ReportDuplicates(names, "gate id", diagnostics);
  names.clear();
  for (size_t i = 0; i < p.lists.size(); ++i) {
    names.push_back(NameOf(p.lists[i].name, w.lists[i], "name"));
  }
  ReportDuplicates(names, "list name", diagnostics);
  // Memberships are bits of a 64-bit mask (engine/state.h), one per list of the profile in force.
  if (p.lists.size() > kListsMax) {
    diagnostics->Add(w.lists[kListsMax].table_line, "lists[" + std::to_string(kListsMax) +
                                                        "]: a profile declares at most " +
                                                        std::to_string(kListsMax) + " lists");
  }
  // Rule ids name the rule in decisions' reasons, so they are unique across all kinds of rule.
  names.clear();
  auto add_ids = [&](const auto& rules, const std::vector<Where>& where) {
    for (size_t i = 0; i < rules.size(); ++i) names.push_back(NameOf(rules[i].id, where[i], "id"));
  };
  add_ids(p.person_rules, w.person_rules);
  add_ids(p.allowances, w.allowances);
  add_ids(p.fresh_food, w.fresh_food);
  add_ids(p.goods.rules, w.rules);
  std::stable_sort(names.begin(), names.end(),
                   [](const NameAt& a, const NameAt& b) { return a.line < b.line; });
  ReportDuplicates(names, "rule id", diagnostics);
  names.clear();
  for (size_t i = 0; i < p.personal_article_rates.size(); ++i) {
    names.push_back(
        NameOf(p.personal_article_rates[i].hs_prefix, w.personal_article_rates[i], "hs_prefix"));
  }
  ReportDuplicates(names, "personal-article hs_prefix", diagnostics);
}

// A reference from `user` (a key path) to a list that must exist and be of `kind`.
void CheckListReference(const Profile& p, std::string_view name, ListKind kind,
                        std::string_view user, int64_t line, Diagnostics* diagnostics) {
  if (name.empty()) return;
  const ListSpec* list = p.FindList(name);
  if (list == nullptr) {
    std::string declared;
    for (const ListSpec& spec : p.lists) declared += (declared.empty() ? "" : ", ") + spec.name;
    diagnostics->Add(line, std::string(user) + ": unknown list " + Quoted(name) +
                               " (declared lists: " + (declared.empty() ? "none" : declared) + ")");
  } else if (list->kind != kind) {
    diagnostics->Add(line, std::string(user) + ": list " + Quoted(name) + " is a " +
                               ListKindName(list->kind) + " list, but a " + ListKindName(kind) +
                               " list is needed here");
  }
}

void CheckReferences(const Profile& p, const Locations& w, Diagnostics* diagnostics) {
  for (size_t i = 0; i < p.gates.size(); ++i) {
    const Gate& gate = p.gates[i];
    const std::string& path = w.gates[i].path;
    if (gate.lane == Lane::kWhitelist) {
      if (gate.list.empty() && !w.gates[i].key_lines.count("list")) {
        diagnostics->Add(w.gates[i].table_line,
                         path + ": a whitelist gate needs a list (the persons who may pass)");
      }
      CheckListReference(p, gate.list, ListKind::kPersons, path + ".list", w.gates[i].Of("list"),
                         diagnostics);
    } else if (!gate.list.empty()) {
      diagnostics->Add(w.gates[i].Of("list"), path + ".list: only whitelist gates have a list (" +
                                                  gate.id + " is a " + LaneName(gate.lane) +
                                                  " gate)");
    }
  }
  for (size_t i = 0; i < p.fresh_food.size(); ++i) {
    CheckListReference(p, p.fresh_food[i].list, ListKind::kPersons, w.fresh_food[i].path + ".list",
                       w.fresh_food[i].Of("list"), diagnostics);
  }
  for (size_t i = 0; i < p.goods.rules.size(); ++i) {
    const std::string& path = w.rules[i].path;
    CheckListReference(p, p.goods.rules[i].list, ListKind::kParties, path + ".list",
                       w.rules[i].Of("list"), diagnostics);
    CheckListReference(p, p.goods.rules[i].unless_list, ListKind::kParties, path + ".unless_list",
                       w.rules[i].Of("unless_list"), diagnostics);
  }
}

// One item with an effective window, for the overlap check.
struct Span {
  std::string label;  // e.g. person_rules[1] "hengqin.first-in.documents"
  std::string group;  // items of the same group must not be in force on the same date
  Effective effective;
  int64_t line = 1;   // where to report an overlap with an earlier item
  bool valid = true;  // false when the window could not be read
};

void CheckOverlaps(const std::vector<Span>& spans, Diagnostics* diagnostics) {
  for (size_t j = 0; j < spans.size(); ++j) {
    const Effective& b = spans[j].effective;
    if (!spans[j].valid) continue;  // reported as a bad window already
    for (size_t i = 0; i < j; ++i) {
      const Effective& a = spans[i].effective;
      if (spans[i].group != spans[j].group || !spans[i].valid) continue;
      if (a.from < b.until && b.from < a.until) {
        diagnostics->Add(spans[j].line,
                         spans[j].label + ": effective dates overlap " + spans[i].label +
                             " (line " + std::to_string(spans[i].line) + ") for " + spans[j].group);
        break;
      }
    }
  }
}

std::string LineDirection(Line line, Direction direction) {
  return std::string("line ") + LineName(line) + ", direction " + DirectionName(direction);
}

void CheckEffectiveWindows(const Profile& p, const Locations& w, Diagnostics* diagnostics) {
  auto span = [](const std::string& id, std::string group, const Effective& effective,
                 const Where& where) {
    return Span{where.path + (id.empty() ? "" : " " + Quoted(id)), std::move(group), effective,
                where.Of("effective_from"), where.effective_valid};
  };
  std::vector<Span> spans;
  for (size_t i = 0; i < p.person_rules.size(); ++i) {
    const PersonRule& rule = p.person_rules[i];
    spans.push_back(
        span(rule.id, LineDirection(rule.line, rule.direction), rule.effective, w.person_rules[i]));
  }
  CheckOverlaps(spans, diagnostics);
  spans.clear();
  for (size_t i = 0; i < p.allowances.size(); ++i) {
    const Allowance& allowance = p.allowances[i];
    spans.push_back(span(allowance.id, LineDirection(allowance.line, allowance.direction),
                         allowance.effective, w.allowances[i]));
  }
  CheckOverlaps(spans, diagnostics);
  spans.clear();
  // FindFreshFood returns the one quota in force, so two may never be in force together.
  for (size_t i = 0; i < p.fresh_food.size(); ++i) {
    spans.push_back(span(p.fresh_food[i].id, "the fresh-food quota", p.fresh_food[i].effective,
                         w.fresh_food[i]));
  }
  CheckOverlaps(spans, diagnostics);
  spans.clear();
  for (size_t i = 0; i < p.exchange_rates.size(); ++i) {
    const ExchangeRate& rate = p.exchange_rates[i];
    spans.push_back(span("", "currency " + rate.currency, rate.effective, w.exchange_rates[i]));
  }
  CheckOverlaps(spans, diagnostics);
}

// Each line is declared once; each has a goods gate; a line that persons cross has a general
// gate; a line that checks persons also has a whitelist gate and person rules both ways (SPEC §1).
void CheckLines(const Profile& p, const Locations& w, Diagnostics* diagnostics) {
  for (const Named<Line>& line : kLineNames) {
    std::vector<size_t> found;
    for (size_t i = 0; i < p.lines.size(); ++i) {
      if (p.lines[i].line == line.value) found.push_back(i);
    }
    if (found.empty()) {
      diagnostics->Add(w.top.Of("lines"),
                       "lines: missing [[lines]] entry for line " + Quoted(line.name));
    }
    for (size_t k = 1; k < found.size(); ++k) {
      diagnostics->Add(w.lines[found[k]].Of("line"),
                       w.lines[found[k]].path + ": line " + Quoted(line.name) +
                           " is declared twice (first on line " +
                           std::to_string(w.lines[found[0]].Of("line")) + ")");
    }
  }
}

bool HasGate(const Profile& p, Line line, Lane lane) {
  return std::any_of(p.gates.begin(), p.gates.end(),
                     [&](const Gate& gate) { return gate.line == line && gate.lane == lane; });
}

// Why persons cross `line` at a gate, or "" when they do not.
std::string PersonsCrossReason(const Profile& p, const LineSpec& spec) {
  if (spec.persons_controlled) return "persons_controlled = true";
  if (spec.records_persons) return "records_persons = true";
  for (const Allowance& allowance : p.allowances) {
    if (allowance.line == spec.line) return "allowance " + Quoted(allowance.id) + " applies there";
  }
  for (const FreshFoodRule& rule : p.fresh_food) {
    bool forbidden = std::find(rule.forbidden_lines.begin(), rule.forbidden_lines.end(),
                               spec.line) != rule.forbidden_lines.end();
    if (rule.line == spec.line || forbidden)
      return "fresh-food rule " + Quoted(rule.id) + " applies there";
  }
  return "";
}

void CheckLineGates(const Profile& p, const Locations& w, Diagnostics* diagnostics) {
  for (size_t i = 0; i < p.lines.size(); ++i) {
    const LineSpec& spec = p.lines[i];
    std::string path = w.lines[i].path + ": line " + Quoted(LineName(spec.line));
    int64_t line = w.lines[i].table_line;
    if (!HasGate(p, spec.line, Lane::kGoods)) diagnostics->Add(line, path + " has no goods gate");
    std::string reason = PersonsCrossReason(p, spec);
    if (!reason.empty() && !HasGate(p, spec.line, Lane::kGeneral)) {
      diagnostics->Add(line,
                       path + " is crossed by persons (" + reason + ") but has no general gate");
    }
    if (!spec.persons_controlled) continue;
    if (!HasGate(p, spec.line, Lane::kWhitelist)) {
      diagnostics->Add(line, path + " checks persons but has no whitelist gate");
    }
    for (const Named<Direction>& direction : kDirectionNames) {
      bool covered =
          std::any_of(p.person_rules.begin(), p.person_rules.end(), [&](const PersonRule& rule) {
            return rule.line == spec.line && rule.direction == direction.value;
          });
      if (!covered) {
        diagnostics->Add(line, path + " checks persons but no person_rules cover direction " +
                                   Quoted(direction.name));
      }
    }
  }
  for (size_t i = 0; i < p.person_rules.size(); ++i) {
    const LineSpec* spec = p.FindLine(p.person_rules[i].line);
    if (spec != nullptr && !spec->persons_controlled) {
      diagnostics->Add(w.person_rules[i].Of("line"),
                       w.person_rules[i].path + ".line: line " + Quoted(LineName(spec->line)) +
                           " does not check persons (its persons_controlled is false)");
    }
  }
}

void CheckGoods(const Profile& p, const Locations& w, Diagnostics* diagnostics) {
  const GoodsPolicy& goods = p.goods;
  if (goods.second_line_out_taxed && goods.tariff_file.empty()) {
    diagnostics->Add(w.goods.Of("second_line_out_taxed"),
                     "goods.second_line_out_taxed: taxing the second line needs goods.tariff_file");
  }
  for (size_t i = 0; i < goods.rules.size(); ++i) {
    if (goods.rules[i].action == GoodsAction::kHoldForTest && goods.radiation_limits.empty()) {
      diagnostics->Add(
          w.rules[i].Of("action"),
          w.rules[i].path + ".action: hold_for_test needs [[radiation_limits]] to judge the test");
    }
  }
  std::map<std::string, int64_t, std::less<>> nuclide_lines;
  for (size_t i = 0; i < goods.radiation_limits.size(); ++i) {
    for (const std::string& nuclide : goods.radiation_limits[i].nuclides) {
      int64_t line = w.radiation_limits[i].Of("nuclides");
      auto [it, inserted] = nuclide_lines.emplace(nuclide, line);
      if (!inserted) {
        diagnostics->Add(line, w.radiation_limits[i].path + ".nuclides: " + Quoted(nuclide) +
                                   " is already limited on line " + std::to_string(it->second));
      }
    }
  }
  bool has_default = std::any_of(p.personal_article_rates.begin(), p.personal_article_rates.end(),
                                 [](const RateRow& row) { return row.hs_prefix == "*"; });
  if (!p.personal_article_rates.empty() && !has_default) {
    diagnostics->Add(w.top.Of("personal_article_rates"),
                     "personal_article_rates: no \"*\" row for everything else");
  }
}

void CheckProfile(const Profile& p, const Locations& w, Diagnostics* diagnostics) {
  CheckUniqueness(p, w, diagnostics);
  CheckReferences(p, w, diagnostics);
  CheckEffectiveWindows(p, w, diagnostics);
  CheckLines(p, w, diagnostics);
  CheckLineGates(p, w, diagnostics);
  CheckGoods(p, w, diagnostics);
}

// ---------------------------------------------------------------------------------------------
// Loading.

// Reads what the profile's goods.tariff_file names, resolved to a path.
using TariffReader = std::function<Result<std::string>(const std::string& path)>;

std::string DirectoryOf(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(path.substr(0, slash));
}

std::string ResolvePath(std::string_view directory, std::string_view relative) {
  if (directory.empty() || (!relative.empty() && relative.front() == '/')) {
    return std::string(relative);
  }
  return std::string(directory) + "/" + std::string(relative);
}

Result<std::string> ReadFile(const std::string& path, size_t bytes_max) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{"cannot read " + Quoted(path)};
  std::string text;
  char buffer[1 << 16];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(file.gcount()));
    if (text.size() > bytes_max) {
      return Error{Quoted(path) + " is larger than " + std::to_string(bytes_max) + " bytes"};
    }
  }
  if (file.bad()) return Error{"error reading " + Quoted(path)};
  return text;
}

// toml++ reports only the first syntax error; the file cannot be read further after it.
std::optional<toml::table> ParseToml(std::string_view text, std::string_view file_name,
                                     Diagnostics* diagnostics) {
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, file_name);
  } catch (const toml::parse_error& error) {
    diagnostics->Add(error.source().begin.line,
                     "TOML syntax error: " + std::string(error.description()));
    return std::nullopt;
  }
#else
  toml::parse_result result = toml::parse(text, file_name);
  if (!result) {
    diagnostics->Add(result.error().source().begin.line,
                     "TOML syntax error: " + std::string(result.error().description()));
    return std::nullopt;
  }
  return std::move(result).table();
#endif
}

void LoadTariff(std::string_view file_name, const Locations& w, const TariffReader& read_tariff,
                bool text_without_file, Profile* p, Diagnostics* diagnostics,
                std::vector<std::string>* tariff_messages) {
  if (p->goods.tariff_file.empty()) {
    if (text_without_file) {
      diagnostics->Add(w.goods.table_line,
                       "goods: tariff text was supplied but goods.tariff_file names no tariff");
    }
    return;
  }
  std::string path = ResolvePath(DirectoryOf(file_name), p->goods.tariff_file);
  Result<std::string> text = read_tariff(path);
  if (!text.ok()) {
    diagnostics->Add(w.goods.Of("tariff_file"), "goods.tariff_file: " + text.error().message);
    return;
  }
  if (text->size() > kTariffTextBytesMax) {
    diagnostics->Add(w.goods.Of("tariff_file"), "goods.tariff_file: larger than " +
                                                    std::to_string(kTariffTextBytesMax) + " bytes");
    return;
  }
  p->goods.tariff = ParseTariffCsv(*text, path, tariff_messages);
  p->tariff_text = std::move(*text);
}

Result<Profile> LoadWithTariffReader(std::string_view toml_text, std::string_view file_name,
                                     const TariffReader& read_tariff, bool text_without_file,
                                     ProfileErrors* errors) {
  Diagnostics diagnostics{std::string(file_name)};
  std::vector<std::string> tariff_messages;
  Profile profile;
  if (toml_text.size() > kProfileTextBytesMax) {
    diagnostics.Add(1, "profile is larger than " + std::to_string(kProfileTextBytesMax) + " bytes");
  } else if (std::optional<toml::table> root = ParseToml(toml_text, file_name, &diagnostics)) {
    Locations where;
    ReadProfile(*root, &diagnostics, &profile, &where);
    CheckProfile(profile, where, &diagnostics);
    LoadTariff(file_name, where, read_tariff, text_without_file, &profile, &diagnostics,
               &tariff_messages);
  }
  std::vector<std::string> messages = diagnostics.Sorted();
  messages.insert(messages.end(), tariff_messages.begin(), tariff_messages.end());
  if (errors != nullptr) errors->messages = messages;
  if (!messages.empty()) {
    std::string joined;
    for (const std::string& message : messages) joined += (joined.empty() ? "" : "\n") + message;
    return Error{joined};
  }
  profile.source_text = std::string(toml_text);
  profile.source_sha256 = ToHex(Sha256(toml_text));
  return profile;
}

// No exception may leave the loader (STYLE: adapters catch and convert): anything unexpected,
// such as an allocation failure, becomes an error for the file.
Result<Profile> LoadGuarded(std::string_view toml_text, std::string_view file_name,
                            const TariffReader& read_tariff, bool text_without_file,
                            ProfileErrors* errors) {
  try {
    return LoadWithTariffReader(toml_text, file_name, read_tariff, text_without_file, errors);
  } catch (const std::exception& exception) {
    std::string message = std::string(file_name) + ":1: cannot load profile: " + exception.what();
    if (errors != nullptr) errors->messages = {message};
    return Error{message};
  }
}

}  // namespace

Result<Profile> LoadProfileText(std::string_view toml_text, std::string_view tariff_csv_text,
                                std::string_view file_name, ProfileErrors* errors) {
  TariffReader given = [tariff_csv_text](const std::string&) -> Result<std::string> {
    return std::string(tariff_csv_text);
  };
  return LoadGuarded(toml_text, file_name, given, !tariff_csv_text.empty(), errors);
}

Result<Profile> LoadProfileFile(const std::string& path, ProfileErrors* errors) {
  Result<std::string> text = [&]() -> Result<std::string> {
    try {
      return ReadFile(path, kProfileTextBytesMax);
    } catch (const std::exception& exception) {
      return Error{"cannot read " + Quoted(path) + ": " + exception.what()};
    }
  }();
  if (!text.ok()) {
    std::string message = path + ":1: " + text.error().message;
    if (errors != nullptr) errors->messages = {message};
    return Error{message};
  }
  TariffReader from_file = [](const std::string& tariff_path) {
    return ReadFile(tariff_path, kTariffTextBytesMax);
  };
  return LoadGuarded(*text, path, from_file, false, errors);
}

std::string BuiltinZonesDir() {
  const char* from_environment = std::getenv("TWOLINE_ZONES");
  if (from_environment != nullptr && *from_environment != '\0') return from_environment;
  return TWOLINE_ZONES_DIR;
}

Result<Profile> LoadBuiltinProfile(std::string_view zone_id) {
  // The id becomes part of a path, so only plain names are accepted (no "../").
  bool plain = !zone_id.empty() && zone_id.size() <= 64;
  for (char c : zone_id)
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (!plain) return Error{"unknown zone " + Quoted(zone_id)};
  std::string path = BuiltinZonesDir() + "/" + std::string(zone_id) + ".toml";
  Result<Profile> profile = LoadProfileFile(path, nullptr);
  if (profile.ok() && profile->id != zone_id) {
    return Error{path + ": zone.id is " + Quoted(profile->id) + ", expected " + Quoted(zone_id)};
  }
  return profile;
}

std::vector<std::string> BuiltinZoneIds() {
  return {"hengqin", "hetao-sz", "hetao-hk", "qianhai", "nansha"};
}

}  // namespace twoline::policy
