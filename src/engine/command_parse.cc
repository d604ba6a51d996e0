// Parsing of SPEC §2 commands from JSON text with simdjson's DOM API.
//
// Every object is checked against the exact set of keys its type allows: an unknown or duplicated
// key is an error, as is a missing required key or a value of the wrong JSON type. Errors name the
// JSON path of the fault. The canonical form of an accepted command is re-serialised from the DOM
// with keys sorted, so that the same command written with other whitespace or key order has the same
// canonical text (and so the same idempotency body).
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <simdjson.h>

#include "base/canonical_json.h"
#include "base/check.h"
#include "base/codes.h"
#include "base/decimal.h"
#include "base/json_writer.h"
#include "engine/command.h"
#include "engine/command_table.h"
#include "engine/flat_index.h"

namespace twoline::engine {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

struct Field {
  std::string_view name;  // a literal: its length known at compile time, its bytes NUL-terminated
  bool required;
};

// Walks a command's DOM, recording the first fault with its path.
class Reader {
 public:
  Reader(const Limits& limits, ParseFailure* failure) : limits_(limits), failure_(failure) {}

  bool Fail(const std::string& path, std::string message) {
    failure_->path = path;
    failure_->message = path + ": " + std::move(message);
    return false;
  }

  // Checks that `value` is an object whose keys are all in `fields`, none twice, and every
  // required field present.
  bool Object(element value, const std::string& path, std::initializer_list<Field> fields,
              object* out) {
    if (value.get(*out)) return Fail(path, "must be an object");
    return Members(*out, path, fields.begin(), fields.size());
  }

  // The same for the member `key` of `parent`.
  bool Object(object parent, const char* key, const std::string& path,
              std::initializer_list<Field> fields, object* out) {
    element value;
    if (!Find(parent, key, &value)) return Fail(path, "must be an object");
    return Object(value, path, fields, out);
  }

  // The same for an object already taken as one. Its members are remembered (Find), so that the
  // reads of its fields that follow need not search the object again: perf of the parse put a
  // quarter of it in comparing keys (simdjson's lookup by key walks every member before it).
  bool Members(object o, const std::string& path, const Field* fields, size_t count) {
    // The fields seen, one bit each (no object has more than 64): no allocation per object.
    CHECK(count <= 64);
    checked_count_ = 0;
    uint64_t seen = 0;
    const char* first_key = nullptr;
    for (auto member : o) {
      if (first_key == nullptr) first_key = member.key.data();
      size_t index = 0;
      while (index < count && member.key != fields[index].name) ++index;
      if (index == count) return Fail(path, "unknown field \"" + Clip(member.key) + "\"");
      if (seen & (uint64_t{1} << index)) {
        return Fail(path, "duplicate field \"" + std::string(member.key) + "\"");
      }
      seen |= uint64_t{1} << index;
      if (index < kRememberedMax) values_[index] = member.value;  // used once checked_count_ is set
    }
    for (size_t index = 0; index < count; ++index) {
      if (fields[index].required && !(seen & (uint64_t{1} << index))) {
        return Fail(path, "missing field \"" + std::string(fields[index].name) + "\"");
      }
    }
    if (first_key != nullptr && count <= kRememberedMax) {
      for (size_t index = 0; index < count; ++index) names_[index] = fields[index].name;
      seen_ = seen;
      first_key_ = first_key;
      checked_count_ = count;
    }
    return true;
  }

  // The member `key` of `o`: false when absent. Members of the object checked last come from what
  // Members remembered; an object is known by where its first key lies in the parser's buffer,
  // which no other object of the same parse shares. Keys are the literals of the field lists,
  // which the compiler stores once: a key is found by its address first, by its bytes only when
  // no address matched.
  bool Find(object o, const char* key, element* out) {
    if (checked_count_ != 0) {
      auto first = o.begin();
      if (first != o.end() && first.key().data() == first_key_) {
        size_t index = 0;
        while (index < checked_count_ && names_[index].data() != key) ++index;
        if (index == checked_count_) {
          index = 0;
          while (index < checked_count_ && names_[index] != key) ++index;
        }
        if (index < checked_count_) {
          if (!(seen_ & (uint64_t{1} << index))) return false;
          *out = values_[index];
          return true;
        }
      }
    }
    return !o[key].get(*out);
  }

  bool Has(object object, const char* key) {
    element ignored;
    return Find(object, key, &ignored);
  }

  // A string field; absent optional fields leave `out` unchanged.
  bool String(object object, const char* key, const std::string& path, size_t max_bytes,
              std::string* out) {
    element value;
    if (!Find(object, key, &value)) return true;
    std::string_view text;
    if (value.get(text)) return Fail(path + "." + key, "must be a string");
    if (text.size() > max_bytes) {
      return Fail(path + "." + key, "longer than " + std::to_string(max_bytes) + " bytes");
    }
    // No field is multi-line, and a NUL would cut the text short for any C-string consumer of
    // the journal or the read models.
    for (char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Fail(path + "." + key, "must not contain control characters (NUL, line breaks)");
      }
    }
    out->assign(text);
    return true;
  }

  bool NonEmptyString(object object, const char* key, const std::string& path, std::string* out) {
    if (!String(object, key, path, limits_.string_bytes_max, out)) return false;
    if (out->empty()) return Fail(path + "." + key, "must not be empty");
    return true;
  }

  bool Id(object object, const char* key, const std::string& path, std::string* out) {
    if (!String(object, key, path, 128, out)) return false;
    if (!IsValidId(*out)) {
      return Fail(path + "." + key, "must be 1-128 characters of [A-Za-z0-9._:-]");
    }
    return true;
  }

  bool Date(object object, const char* key, const std::string& path, twoline::Date* out) {
    std::string text;
    if (!String(object, key, path, 64, &text)) return false;
    auto date = ParseDate(text);
    if (!date) return Fail(path + "." + key, date.error().message);
    *out = *date;
    return true;
  }

  bool Fixed(object object, const char* key, const std::string& path, int scale, bool positive,
             int64_t* out) {
    std::string text;
    element value;
    if (Find(object, key, &value) && value.type() != element_type::STRING) {
      return Fail(path + "." + key, "must be a decimal string, e.g. \"12.50\"");
    }
    if (!String(object, key, path, 64, &text)) return false;
    auto parsed = ParseFixed(text, scale, false, key);
    if (!parsed) return Fail(path + "." + key, parsed.error().message);
    if (positive && *parsed == 0) return Fail(path + "." + key, "must be greater than zero");
    *out = *parsed;
    return true;
  }

  bool Currency(object object, const std::string& path, std::string* out) {
    if (!String(object, "currency", path, 8, out)) return false;
    if (!IsoCodes::Get().IsCurrency(*out)) {
      return Fail(path + ".currency", "\"" + Clip(*out) + "\" is not an ISO 4217 currency code");
    }
    return true;
  }

  // An array field; calls `each(element, path)` for every member.
  template <typename Each>
  bool Array(object object, const char* key, const std::string& path, size_t max_items,
             Each each) {
    element value;
    if (!Find(object, key, &value)) return true;
    array items;
    std::string array_path = path + "." + key;
    if (value.get(items)) return Fail(array_path, "must be an array");
    if (items.size() > max_items) {
      failure_->over_limit = true;
      return Fail(array_path, "more than " + std::to_string(max_items) + " entries");
    }
    size_t index = 0;
    for (element item : items) {
      if (!each(item, array_path + "[" + std::to_string(index++) + "]")) return false;
    }
    return true;
  }

  bool StringArray(object object, const char* key, const std::string& path, size_t max_items,
                   bool ids, std::vector<std::string>* out) {
    return Array(object, key, path, max_items, [&](element item, const std::string& item_path) {
      std::string_view text;
      if (item.get(text)) return Fail(item_path, "must be a string");
      if (text.size() > limits_.string_bytes_max) return Fail(item_path, "too long");
      if (ids && !IsValidId(text)) {
        return Fail(item_path, "must be 1-128 characters of [A-Za-z0-9._:-]");
      }
      out->emplace_back(text);
      return true;
    });
  }

  // A declaration or process named by a command: its id, or ID@PARTY when several parties use the
  // id (engine::GoodsState: document names).
  static bool IsDocumentName(std::string_view name) {
    size_t at = name.find('@');
    if (at == std::string_view::npos) return IsValidId(name);
    return IsValidId(name.substr(0, at)) && IsValidId(name.substr(at + 1));
  }
  static constexpr const char* kDocumentNameRule =
      "must be a declaration id (1-128 characters of [A-Za-z0-9._:-]), or ID@PARTY";

  bool DocumentName(object object, const char* key, const std::string& path, std::string* out) {
    if (!String(object, key, path, 257, out)) return false;
    if (!IsDocumentName(*out)) return Fail(path + "." + key, kDocumentNameRule);
    return true;
  }

  bool DocumentNames(object object, const char* key, const std::string& path, size_t max_items,
                     std::vector<std::string>* out) {
    return Array(object, key, path, max_items, [&](element item, const std::string& item_path) {
      std::string_view text;
      if (item.get(text)) return Fail(item_path, "must be a string");
      if (text.size() > 257 || !IsDocumentName(text)) return Fail(item_path, kDocumentNameRule);
      out->emplace_back(text);
      return true;
    });
  }

  template <typename Enum>
  bool Choice(object object, const char* key, const std::string& path,
              std::initializer_list<std::pair<const char*, Enum>> choices, Enum* out) {
    std::string text;
    if (!String(object, key, path, 64, &text)) return false;
    std::string allowed;
    for (const auto& [name, value] : choices) {
      if (text == name) {
        *out = value;
        return true;
      }
      allowed += allowed.empty() ? name : std::string("|") + name;
    }
    return Fail(path + "." + key, "\"" + Clip(text) + "\" is not one of " + allowed);
  }

  const Limits& limits() const { return limits_; }

  static std::string Clip(std::string_view text) {
    return std::string(text.substr(0, 64));
  }

 private:
  static constexpr size_t kRememberedMax = 16;
  const Limits& limits_;
  ParseFailure* failure_;
  // The members of the object Members checked last (Find).
  size_t checked_count_ = 0;
  const char* first_key_ = nullptr;
  uint64_t seen_ = 0;
  std::string_view names_[kRememberedMax];
  element values_[kRememberedMax];
};


using policy::Direction;

bool ParseParty(Reader& r, object root, PartyBody* party) {
  object o;
  if (!r.Object(root, "party", "$.party",
                {{"id", true}, {"name", true}, {"kind", true}, {"credit", true}, {"lists", false}},
                &o)) {
    return false;
  }
  return r.Id(o, "id", "$.party", &party->id) && r.NonEmptyString(o, "name", "$.party", &party->name) &&
         r.Choice<PartyKind>(o, "kind", "$.party",
                             {{"enterprise", PartyKind::kEnterprise},
                              {"research_institution", PartyKind::kResearchInstitution},
                              {"public_body", PartyKind::kPublicBody},
                              {"logistics", PartyKind::kLogistics}},
                             &party->kind) &&
         r.Choice<policy::Credit>(o, "credit", "$.party",
                                  {{"advanced", policy::Credit::kAdvanced},
                                   {"general", policy::Credit::kGeneral},
                                   {"dishonest", policy::Credit::kDishonest}},
                                  &party->credit) &&
         r.StringArray(o, "lists", "$.party", r.limits().lists_max, true, &party->lists);
}

bool ParseDocument(Reader& r, element value, const std::string& path, Document* document) {
  object o;
  if (!r.Object(value, path,
                {{"type", true}, {"number", true}, {"valid_from", true}, {"valid_until", true}}, &o)) {
    return false;
  }
  if (!r.Id(o, "type", path, &document->type) ||
      !r.NonEmptyString(o, "number", path, &document->number) ||
      !r.Date(o, "valid_from", path, &document->valid_from) ||
      !r.Date(o, "valid_until", path, &document->valid_until)) {
    return false;
  }
  if (document->valid_until < document->valid_from) {
    return r.Fail(path + ".valid_until", "is before valid_from");
  }
  return true;
}

bool Country(Reader& r, object o, const char* key, const std::string& path, bool subdivision_ok,
             std::string* out) {
  if (!r.String(o, key, path, 8, out)) return false;
  const IsoCodes& codes = IsoCodes::Get();
  if (codes.IsCountry(*out) || (subdivision_ok && codes.IsSubdivision(*out))) return true;
  return r.Fail(path + "." + key,
                "\"" + Reader::Clip(*out) + "\" is not an ISO 3166-1 alpha-2" +
                    (subdivision_ok ? " or ISO 3166-2 code" : " code"));
}

bool ParsePerson(Reader& r, object root, PersonBody* person) {
  object o;
  const std::string path = "$.person";
  if (!r.Object(root, "person", path,
                {{"id", true}, {"name", true}, {"nationality", true}, {"resident_of", true},
                 {"birth_date", true}, {"documents", true}, {"lists", false},
                 {"affiliation", false}},
                &o)) {
    return false;
  }
  if (!r.Id(o, "id", path, &person->id) || !r.NonEmptyString(o, "name", path, &person->name) ||
      !Country(r, o, "nationality", path, false, &person->nationality) ||
      !Country(r, o, "resident_of", path, false, &person->resident_of) ||
      !r.Date(o, "birth_date", path, &person->birth_date) ||
      !r.String(o, "affiliation", path, r.limits().string_bytes_max, &person->affiliation) ||
      !r.StringArray(o, "lists", path, r.limits().lists_max, true, &person->lists)) {
    return false;
  }
  // The engine keeps an affiliation interned as a C string: a NUL would silently cut it short.
  if (person->affiliation.find('\0') != std::string::npos) {
    return r.Fail(path + ".affiliation", "must not contain a NUL character");
  }
  return r.Array(o, "documents", path, r.limits().documents_max,
                 [&](element item, const std::string& item_path) {
                   person->documents.emplace_back();
                   return ParseDocument(r, item, item_path, &person->documents.back());
                 });
}

bool ParseItem(Reader& r, object root, ItemBody* item) {
  object o;
  const std::string path = "$.item";
  if (!r.Object(root, "item", path,
                {{"sku", true}, {"hs_code", true}, {"description", true}, {"unit", true},
                 {"tags", false}},
                &o)) {
    return false;
  }
  std::string hs_text;
  if (!r.Id(o, "sku", path, &item->sku) || !r.String(o, "hs_code", path, 32, &hs_text) ||
      !r.NonEmptyString(o, "description", path, &item->description) ||
      !r.NonEmptyString(o, "unit", path, &item->unit) ||
      !r.StringArray(o, "tags", path, r.limits().lists_max, true, &item->tags)) {
    return false;
  }
  auto hs = NormalizeHsCode(hs_text);
  if (!hs) return r.Fail(path + ".hs_code", hs.error().message);
  item->hs_code = *hs;
  return true;
}

bool ParseCarried(Reader& r, element value, const std::string& path, CarriedGoods* goods) {
  object o;
  return r.Object(value, path, {{"sku", true}, {"qty", true}, {"value", true}, {"currency", true}},
                  &o) &&
         r.Id(o, "sku", path, &goods->sku) &&
         r.Fixed(o, "qty", path, kQuantityScale, true, &goods->quantity_milli) &&
         r.Fixed(o, "value", path, kMoneyScale, false, &goods->value_cents) &&
         r.Currency(o, path, &goods->currency);
}

bool ParseCross(Reader& r, object o, CrossBody* cross) {
  if (!r.Id(o, "person", "$", &cross->person) || !r.Id(o, "gate", "$", &cross->gate) ||
      !r.Choice<Direction>(o, "direction", "$", {{"in", Direction::kIn}, {"out", Direction::kOut}},
                           &cross->direction)) {
    return false;
  }
  return r.Array(o, "carried", "$", r.limits().carried_max,
                 [&](element item, const std::string& item_path) {
                   cross->carried.emplace_back();
                   return ParseCarried(r, item, item_path, &cross->carried.back());
                 });
}

bool ParseDeclarationLine(Reader& r, element value, const std::string& path,
                          DeclarationLine* line) {
  object o;
  if (!r.Object(value, path,
                {{"sku", true}, {"qty", true}, {"value", true}, {"currency", true},
                 {"origin", true}, {"produced_on", false}, {"certificates", false}},
                &o) ||
      !r.Id(o, "sku", path, &line->sku) ||
      !r.Fixed(o, "qty", path, kQuantityScale, true, &line->quantity_milli) ||
      !r.Fixed(o, "value", path, kMoneyScale, false, &line->value_cents) ||
      !r.Currency(o, path, &line->currency) || !Country(r, o, "origin", path, true, &line->origin)) {
    return false;
  }
  if (r.Has(o, "produced_on")) {
    Date produced = 0;
    if (!r.Date(o, "produced_on", path, &produced)) return false;
    line->produced_on = produced;
  }
  if (!r.StringArray(o, "certificates", path, 16, true, &line->certificates)) return false;
  static const char* kCertificates[] = {"health",
                                        "origin",
                                        "radioactive_test",
                                        "strontium_tritium_test",
                                        "quarantine_permit",
                                        "biosafety_permit"};
  for (size_t i = 0; i < line->certificates.size(); ++i) {
    bool known = false;
    for (const char* name : kCertificates) known |= line->certificates[i] == name;
    if (!known) {
      return r.Fail(path + ".certificates[" + std::to_string(i) + "]",
                    "unknown certificate \"" + line->certificates[i] + "\"");
    }
  }
  return true;
}

bool ParseDeclare(Reader& r, object root, DeclareBody* declaration) {
  object o;
  const std::string path = "$.declaration";
  if (!r.Object(root, "declaration", path,
                {{"id", true}, {"kind", true}, {"declarant", true}, {"counterparty", false},
                 {"purpose", false}, {"lines", true}},
                &o) ||
      !r.Id(o, "id", path, &declaration->id) ||
      !r.Choice<DeclarationKind>(o, "kind", path,
                                 {{"first_line_in", DeclarationKind::kFirstLineIn},
                                  {"first_line_out", DeclarationKind::kFirstLineOut},
                                  {"second_line_in", DeclarationKind::kSecondLineIn},
                                  {"second_line_out", DeclarationKind::kSecondLineOut},
                                  {"transfer", DeclarationKind::kTransfer},
                                  {"consume", DeclarationKind::kConsume},
                                  {"scrap", DeclarationKind::kScrap}},
                                 &declaration->kind) ||
      !r.Id(o, "declarant", path, &declaration->declarant)) {
    return false;
  }
  if (r.Has(o, "counterparty") && !r.Id(o, "counterparty", path, &declaration->counterparty)) {
    return false;
  }
  if (r.Has(o, "purpose") && !r.Id(o, "purpose", path, &declaration->purpose)) return false;
  if (!r.Array(o, "lines", path, r.limits().declaration_lines_max,
               [&](element item, const std::string& item_path) {
                 declaration->lines.emplace_back();
                 return ParseDeclarationLine(r, item, item_path, &declaration->lines.back());
               })) {
    return false;
  }
  if (declaration->lines.empty()) return r.Fail(path + ".lines", "must not be empty");
  if (declaration->kind == DeclarationKind::kTransfer && declaration->counterparty.empty()) {
    return r.Fail(path, "a transfer needs a counterparty");
  }
  return true;
}

bool ParseSkuQuantities(Reader& r, object o, const char* key, const std::string& path,
                        bool positive, std::vector<SkuQuantity>* out) {
  return r.Array(o, key, path, r.limits().declaration_lines_max,
                 [&](element item, const std::string& item_path) {
                   object entry;
                   out->emplace_back();
                   return r.Object(item, item_path, {{"sku", true}, {"qty", true}}, &entry) &&
                          r.Id(entry, "sku", item_path, &out->back().sku) &&
                          r.Fixed(entry, "qty", item_path, kQuantityScale, positive,
                                  &out->back().quantity_milli);
                 });
}

bool ParseProcess(Reader& r, object root, ProcessBody* process) {
  object o;
  const std::string path = "$.process";
  if (!r.Object(root, "process", path,
                {{"id", true}, {"declarant", true}, {"inputs", true}, {"outputs", true}}, &o) ||
      !r.Id(o, "id", path, &process->id) || !r.Id(o, "declarant", path, &process->declarant) ||
      !ParseSkuQuantities(r, o, "inputs", path, true, &process->inputs) ||
      !ParseSkuQuantities(r, o, "outputs", path, true, &process->outputs)) {
    return false;
  }
  if (process->inputs.empty()) return r.Fail(path + ".inputs", "must not be empty");
  if (process->outputs.empty()) return r.Fail(path + ".outputs", "must not be empty");
  return true;
}

bool ParseInspect(Reader& r, object o, InspectBody* inspect) {
  if (!r.DocumentName(o, "declaration", "$", &inspect->declaration)) return false;
  if (r.Has(o, "result")) {
    bool pass = false;
    if (!r.Choice<bool>(o, "result", "$", {{"pass", true}, {"fail", false}}, &pass)) return false;
    inspect->pass = pass;
  }
  if (!r.Array(o, "measurements", "$", r.limits().measurements_max,
               [&](element item, const std::string& item_path) {
                 object entry;
                 inspect->measurements.emplace_back();
                 Measurement& m = inspect->measurements.back();
                 if (!r.Object(item, item_path, {{"nuclide", true}, {"bq_per_kg", true}}, &entry) ||
                     !r.String(entry, "nuclide", item_path, 16, &m.nuclide) ||
                     !r.Fixed(entry, "bq_per_kg", item_path, kQuantityScale, false,
                              &m.milli_bq_per_kg)) {
                   return false;
                 }
                 if (m.nuclide != "I-131" && m.nuclide != "Cs-134" && m.nuclide != "Cs-137") {
                   return r.Fail(item_path + ".nuclide",
                                 "\"" + Reader::Clip(m.nuclide) + "\" is not one of I-131|Cs-134|Cs-137");
                 }
                 return true;
               })) {
    return false;
  }
  if (!inspect->pass && inspect->measurements.empty()) {
    return r.Fail("$", "an inspection needs a result or measurements");
  }
  return true;
}

struct TypeSpec {
  const char* name;
  CommandType type;
  std::initializer_list<Field> fields;  // beyond the envelope
};

const TypeSpec kTypes[] = {
    {"register_party", CommandType::kRegisterParty, {{"party", true}}},
    {"register_person", CommandType::kRegisterPerson, {{"person", true}}},
    {"register_item", CommandType::kRegisterItem, {{"item", true}}},
    {"list", CommandType::kList, {{"list", true}, {"add", false}, {"remove", false}}},
    {"cross",
     CommandType::kCross,
     {{"person", true}, {"gate", true}, {"direction", true}, {"carried", false}}},
    {"declare", CommandType::kDeclare, {{"declaration", true}}},
    {"process", CommandType::kProcess, {{"process", true}}},
    {"release", CommandType::kRelease, {{"gate", true}, {"vehicle", false}, {"declarations", true}}},
    {"inspect",
     CommandType::kInspect,
     {{"declaration", true}, {"result", false}, {"measurements", false}}},
    {"cancel", CommandType::kCancel, {{"declaration", true}}},
    {"stocktake", CommandType::kStocktake, {{"party", true}, {"counts", true}}},
};

bool IsHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ParseReceived(Reader& r, object envelope, Received* received) {
  object o;
  if (!r.Object(envelope, "received", "$.received",
                {{"at", true}, {"role", true}, {"token", true}, {"party", false}, {"nonce", false},
                 {"client_at", false}},
                &o)) {
    return false;
  }
  if (!r.String(o, "at", "$.received", 64, &received->at_text)) return false;
  auto at = ParseRfc3339(received->at_text);
  if (!at) return r.Fail("$.received.at", at.error().message);
  received->at = *at;
  if (!r.String(o, "role", "$.received", 16, &received->role)) return false;
  const bool declarant = received->role == "declarant";
  if (!declarant && received->role != "officer" && received->role != "admin") {
    return r.Fail("$.received.role", "must be \"declarant\", \"officer\" or \"admin\"");
  }
  if (!r.Id(o, "token", "$.received", &received->token)) return false;
  if (r.Has(o, "party") != declarant) {
    return r.Fail("$.received", declarant ? "a declarant's stamp names its party"
                                          : "only a declarant's stamp names a party");
  }
  if (declarant && !r.Id(o, "party", "$.received", &received->party)) return false;
  if (!r.String(o, "nonce", "$.received", 32, &received->nonce)) return false;
  if (r.Has(o, "nonce") && (received->nonce.size() != 32 || !IsHex(received->nonce))) {
    return r.Fail("$.received.nonce", "must be 32 lowercase hex digits");
  }
  if (!r.String(o, "client_at", "$.received", 64, &received->client_at)) return false;
  if (r.Has(o, "client_at")) {
    if (auto client_at = ParseRfc3339(received->client_at); !client_at) {
      return r.Fail("$.received.client_at", client_at.error().message);
    }
  }
  return true;
}

// The command as its client sent it: the canonical JSON without the stamp, with the client's own
// `at` when the server replaced it.
std::string ClientCanonical(object envelope, const Received& received) {
  std::vector<std::pair<std::string_view, element>> members;
  for (auto member : envelope) {
    if (member.key != "received") members.emplace_back(member.key, member.value);
  }
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "{";
  for (size_t i = 0; i < members.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(&out, members[i].first);
    out.push_back(':');
    if (members[i].first == "at" && !received.client_at.empty()) {
      AppendJsonString(&out, received.client_at);
    } else {
      AppendCanonicalJson(members[i].second, &out);
    }
  }
  out.push_back('}');
  return out;
}

bool ParseBody(Reader& r, object o, Command* command) {
  switch (command->type) {
    case CommandType::kRegisterParty:
      return ParseParty(r, o, &command->body.emplace<PartyBody>());
    case CommandType::kRegisterPerson:
      return ParsePerson(r, o, &command->body.emplace<PersonBody>());
    case CommandType::kRegisterItem:
      return ParseItem(r, o, &command->body.emplace<ItemBody>());
    case CommandType::kList: {
      auto& list = command->body.emplace<ListBody>();
      if (!r.Id(o, "list", "$", &list.list) ||
          !r.StringArray(o, "add", "$", r.limits().list_changes_max, true, &list.add) ||
          !r.StringArray(o, "remove", "$", r.limits().list_changes_max, true, &list.remove)) {
        return false;
      }
      if (list.add.empty() && list.remove.empty()) return r.Fail("$", "add or remove something");
      return true;
    }
    case CommandType::kCross:
      return ParseCross(r, o, &command->body.emplace<CrossBody>());
    case CommandType::kDeclare:
      return ParseDeclare(r, o, &command->body.emplace<DeclareBody>());
    case CommandType::kProcess:
      return ParseProcess(r, o, &command->body.emplace<ProcessBody>());
    case CommandType::kRelease: {
      auto& release = command->body.emplace<ReleaseBody>();
      if (!r.Id(o, "gate", "$", &release.gate) ||
          (r.Has(o, "vehicle") && !r.Id(o, "vehicle", "$", &release.vehicle)) ||
          !r.DocumentNames(o, "declarations", "$", r.limits().release_declarations_max,
                           &release.declarations)) {
        return false;
      }
      if (release.declarations.empty()) return r.Fail("$.declarations", "must not be empty");
      return true;
    }
    case CommandType::kInspect:
      return ParseInspect(r, o, &command->body.emplace<InspectBody>());
    case CommandType::kCancel:
      return r.DocumentName(o, "declaration", "$", &command->body.emplace<CancelBody>().declaration);
    case CommandType::kStocktake: {
      auto& stocktake = command->body.emplace<StocktakeBody>();
      return r.Id(o, "party", "$", &stocktake.party) &&
             ParseSkuQuantities(r, o, "counts", "$", false, &stocktake.counts);
    }
  }
  return false;
}

}  // namespace

bool ParseCommand(std::string_view json, const Limits& limits, Command* command,
                  ParseFailure* failure) {
  *failure = ParseFailure{};
  Reader r(limits, failure);
  if (json.size() > limits.command_bytes_max) {
    failure->over_limit = true;
    return r.Fail("$", "command longer than " + std::to_string(limits.command_bytes_max) + " bytes");
  }
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    return r.Fail("$", std::string("malformed JSON: ") + simdjson::error_message(error));
  }
  object envelope;
  if (root.get(envelope)) return r.Fail("$", "a command must be a JSON object");
  // Read the id first, so that even a faulty command's decision can name it.
  std::string_view id_text;
  if (!envelope["id"].get(id_text) && IsValidId(id_text)) failure->id = std::string(id_text);

  std::string type_name;
  if (!r.String(envelope, "type", "$", 64, &type_name)) return false;
  if (type_name.empty()) return r.Fail("$", "missing field \"type\"");
  const TypeSpec* spec = nullptr;
  for (const TypeSpec& candidate : kTypes) {
    if (type_name == candidate.name) {
      spec = &candidate;
      break;
    }
  }
  if (spec == nullptr) {
    return r.Fail("$.type", "unknown command type \"" + Reader::Clip(type_name) + "\"");
  }
  Field fields[16] = {
      {"id", true}, {"zone", true}, {"at", true}, {"type", true}, {"received", false}};
  size_t field_count = 5;
  CHECK(spec->fields.size() <= std::size(fields) - field_count);
  for (const Field& field : spec->fields) fields[field_count++] = field;
  if (!r.Members(envelope, "$", fields, field_count)) return false;
  command->type = spec->type;
  if (!r.Id(envelope, "id", "$", &command->id) || !r.Id(envelope, "zone", "$", &command->zone) ||
      !r.String(envelope, "at", "$", 64, &command->at_text)) {
    return false;
  }
  auto at = ParseRfc3339(command->at_text);
  if (!at) return r.Fail("$.at", at.error().message);
  command->at = *at;
  if (!ParseBody(r, envelope, command)) return false;
  command->received.reset();
  command->client_canonical.clear();
  if (r.Has(envelope, "received")) {
    Received received;
    if (!ParseReceived(r, envelope, &received)) return false;
    command->client_canonical = ClientCanonical(envelope, received);
    command->received = std::move(received);
  }
  command->canonical.clear();
  command->canonical.reserve(json.size());  // no longer than the text, but for escapes
  AppendCanonicalJson(root, &command->canonical);
  command->TakeDigests();
  return true;
}

void Command::TakeDigests() {
  DecidedIds::IdDigest(IdScope(), id, id_digest);
  body_digest = DecidedIds::BodyDigest(IdempotencyBody());
  has_digests = true;
}

bool StampCommand(Command* command, Received stamp, const std::string& at_text,
                  std::string* error) {
  CHECK(!command->received);
  auto received_at = ParseRfc3339(stamp.at_text);
  if (!received_at) {
    *error = "received.at: " + received_at.error().message;
    return false;
  }
  stamp.at = *received_at;
  std::optional<Instant> at;
  if (!at_text.empty()) {
    auto parsed = ParseRfc3339(at_text);
    if (!parsed) {
      *error = "at: " + parsed.error().message;
      return false;
    }
    at = *parsed;
  }
  // The client's canonical JSON has its keys sorted: copy it member by member, replacing `at` and
  // adding `received` in its place, which gives the stamped command's canonical form directly (what
  // ParseCommand makes of it on replay, as stamp_test checks).
  thread_local simdjson::dom::parser parser;
  element root;
  object envelope;
  if (parser.parse(command->canonical.data(), command->canonical.size()).get(root) ||
      root.get(envelope)) {
    *error = "the command's canonical form does not parse";
    return false;
  }
  std::string received = "{\"at\":";
  AppendJsonString(&received, stamp.at_text);
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"client_at", &stamp.client_at},
                            {"nonce", &stamp.nonce},
                            {"party", &stamp.party}}) {
    if (value->empty()) continue;
    received += ",\"";
    received += key;
    received += "\":";
    AppendJsonString(&received, *value);
  }
  received += ",\"role\":";
  AppendJsonString(&received, stamp.role);
  received += ",\"token\":";
  AppendJsonString(&received, stamp.token);
  received += "}";
  std::string json = "{";
  bool placed = false;
  for (auto member : envelope) {
    if (!placed && member.key > std::string_view("received")) {
      json += "\"received\":" + received + ",";
      placed = true;
    }
    AppendJsonString(&json, member.key);
    json.push_back(':');
    if (member.key == "at" && at) {
      AppendJsonString(&json, at_text);
    } else {
      AppendCanonicalJson(member.value, &json);
    }
    json.push_back(',');
  }
  if (!placed) json += "\"received\":" + received + ",";
  json.back() = '}';
  command->client_canonical = std::move(command->canonical);
  command->canonical = std::move(json);
  if (at) {
    command->at_text = at_text;
    command->at = *at;
  }
  command->received = std::move(stamp);
  if (command->has_digests) {
    // The body digest ParseCommand took is that of the client's canonical form, which idempotency
    // still compares (IdempotencyBody); only a declarant's id digest changes, with its scope.
    if (!command->IdScope().empty()) {
      DecidedIds::IdDigest(command->IdScope(), command->id, command->id_digest);
    }
  } else {
    command->TakeDigests();
  }
  return true;
}

// The command table for the OpenAPI document and help: the same kTypes the parser checks against.
std::vector<CommandTypeInfo> CommandTable() {
  std::vector<CommandTypeInfo> table;
  for (const TypeSpec& spec : kTypes) {
    CommandTypeInfo info{spec.name, spec.type, {}};
    for (const Field& field : spec.fields) {
      info.fields.push_back({field.name.data(), field.required});
    }
    table.push_back(std::move(info));
  }
  return table;
}

const char* CommandTypeName(CommandType type) {
  for (const TypeSpec& spec : kTypes) {
    if (spec.type == type) return spec.name;
  }
  return "?";
}

const char* PartyKindName(PartyKind kind) {
  static const char* kNames[] = {"enterprise", "research_institution", "public_body", "logistics"};
  return kNames[static_cast<int>(kind)];
}

const char* DeclarationKindName(DeclarationKind kind) {
  static const char* kNames[] = {"first_line_in",   "first_line_out", "second_line_in",
                                 "second_line_out", "transfer",       "consume",
                                 "scrap"};
  return kNames[static_cast<int>(kind)];
}

}  // namespace twoline::engine
