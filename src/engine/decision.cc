#include "engine/decision.h"

#include <algorithm>

#include "base/decimal.h"
#include "base/json_writer.h"

namespace twoline::engine {

const char* OutcomeName(Outcome outcome) {
  static const char* kNames[] = {"accepted", "rejected", "held", "referred", "invalid"};
  return kNames[static_cast<int>(outcome)];
}

void Decision::SetExtra(std::string key, std::string raw_json) {
  for (auto& [existing, value] : extras) {
    if (existing == key) {
      value = std::move(raw_json);
      return;
    }
  }
  extras.emplace_back(std::move(key), std::move(raw_json));
}

static void WriteReasons(JsonWriter& w, const std::vector<Reason>& reasons) {
  w.Key("reasons").BeginArray();
  for (const Reason& reason : reasons) {
    w.BeginObject().Key("detail").String(reason.detail).Key("rule").String(reason.rule).EndObject();
  }
  w.EndArray();
}

std::string CanonicalDecisionJson(const Decision& decision) {
  std::string out;
  out.reserve(128);
  JsonWriter w(&out);
  w.BeginObject();
  if (decision.assessment) {
    const Assessment& a = *decision.assessment;
    w.Key("assessment").BeginObject();
    w.Key("currency").String("CNY");
    w.Key("customs_duty").String(FormatMoney(a.customs_duty_fen));
    if (a.exempted_fen > 0) w.Key("exempted").String(FormatMoney(a.exempted_fen));
    w.Key("import_vat").String(FormatMoney(a.import_vat_fen));
    if (a.personal_articles_tax_fen > 0) {
      w.Key("personal_articles_tax").String(FormatMoney(a.personal_articles_tax_fen));
    }
    w.Key("total").String(FormatMoney(a.total_fen()));
    w.EndObject();
  }
  // Extras sort between the standard keys by name; standard keys never collide with them.
  std::vector<std::pair<std::string, std::string>> extras = decision.extras;
  std::sort(extras.begin(), extras.end());
  auto write_extras_before = [&](std::string_view key, size_t* next) {
    while (*next < extras.size() && extras[*next].first < key) {
      w.Key(extras[*next].first).Raw(extras[*next].second);
      ++*next;
    }
  };
  size_t next = 0;
  write_extras_before("id", &next);
  w.Key("id").String(decision.id);
  write_extras_before("outcome", &next);
  w.Key("outcome").String(OutcomeName(decision.outcome));
  write_extras_before("reasons", &next);
  WriteReasons(w, decision.reasons);
  write_extras_before("\x7f", &next);
  w.EndObject();
  return out;
}

std::string WireDecisionJson(std::string_view canonical, uint64_t seq, const Hash256& hash) {
  std::string out;
  out.reserve(canonical.size() + 100);
  out.append(canonical.substr(0, canonical.size() - 1));
  out += ",\"seq\":";
  out += std::to_string(seq);
  out += ",\"hash\":\"";
  char hex[64];
  ToHex(hash, hex);
  out.append(hex, sizeof hex);
  out += "\"}";
  return out;
}

std::string InvalidDecisionJson(std::string_view id, std::string_view rule, std::string_view detail) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("id").String(id).Key("outcome").String("invalid");
  w.Key("reasons").BeginArray().BeginObject().Key("rule").String(rule).Key("detail").String(detail);
  w.EndObject().EndArray().EndObject();
  return out;
}

}  // namespace twoline::engine
