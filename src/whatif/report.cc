// The what-if report as JSON and as a table (docs/whatif.md), and the HTTP entry point.
#include <algorithm>
#include <cstdio>

#include "base/decimal.h"
#include "base/format.h"
#include "base/json_writer.h"
#include "whatif/whatif.h"

namespace twoline::whatif {
namespace {

using Transition = std::pair<const std::pair<Verdict, Verdict>*, uint64_t>;

// Transitions by count, most frequent first; ties in verdict order.
std::vector<Transition> SortedTransitions(const Report& report) {
  std::vector<Transition> sorted;
  for (const auto& [verdicts, count] : report.transitions) sorted.emplace_back(&verdicts, count);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Transition& a, const Transition& b) { return a.second > b.second; });
  return sorted;
}

Taxes Difference(const Taxes& draft, const Taxes& recorded) {
  return {draft.customs_duty_fen - recorded.customs_duty_fen,
          draft.import_vat_fen - recorded.import_vat_fen,
          draft.personal_articles_tax_fen - recorded.personal_articles_tax_fen};
}

void WriteVerdict(JsonWriter& w, const Verdict& verdict) {
  w.BeginObject().Key("outcome").String(verdict.outcome).Key("rules").BeginArray();
  for (const std::string& rule : verdict.rules) w.String(rule);
  w.EndArray().EndObject();
}

void WriteTaxes(JsonWriter& w, const Taxes& taxes) {
  w.BeginObject();
  w.Key("customs_duty").String(FormatMoney(taxes.customs_duty_fen));
  w.Key("import_vat").String(FormatMoney(taxes.import_vat_fen));
  w.Key("personal_articles_tax").String(FormatMoney(taxes.personal_articles_tax_fen));
  w.EndObject();
}

void WriteOptionalDate(JsonWriter& w, const std::optional<Date>& date) {
  if (date) {
    w.String(FormatDate(*date));
  } else {
    w.Null();
  }
}

std::string VerdictText(const Verdict& verdict) {
  std::string text = verdict.outcome;
  for (const std::string& rule : verdict.rules) text += " " + rule;
  return text;
}

std::string Signed(int64_t fen) { return (fen > 0 ? "+" : "") + FormatMoney(fen); }

}  // namespace

std::string ReportJson(const Report& report) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("zone").String(report.zone);
  w.Key("draft_sha256").String(report.draft_sha256);
  w.Key("from");
  WriteOptionalDate(w, report.from);
  w.Key("to");
  WriteOptionalDate(w, report.to);
  w.Key("first_seq").Int(static_cast<int64_t>(report.first_seq));
  w.Key("last_seq").Int(static_cast<int64_t>(report.last_seq));
  w.Key("commands").Int(static_cast<int64_t>(report.commands));
  w.Key("changed").Int(static_cast<int64_t>(report.changed));
  w.Key("profile_entries_replaced").BeginArray();
  for (uint64_t seq : report.profile_entries_replaced) w.Int(static_cast<int64_t>(seq));
  w.EndArray();
  w.Key("transitions").BeginArray();
  for (const auto& [verdicts, count] : SortedTransitions(report)) {
    w.BeginObject().Key("count").Int(static_cast<int64_t>(count));
    w.Key("recorded");
    WriteVerdict(w, verdicts->first);
    w.Key("draft");
    WriteVerdict(w, verdicts->second);
    w.EndObject();
  }
  w.EndArray();
  w.Key("taxes").BeginObject().Key("currency").String("CNY");
  w.Key("recorded");
  WriteTaxes(w, report.recorded);
  w.Key("draft");
  WriteTaxes(w, report.draft);
  w.Key("change");
  WriteTaxes(w, Difference(report.draft, report.recorded));
  w.EndObject();
  w.Key("changes_listed").Int(static_cast<int64_t>(report.changes.size()));
  w.Key("changes").BeginArray();
  for (const Change& change : report.changes) {
    w.BeginObject().Key("seq").Int(static_cast<int64_t>(change.seq));
    w.Key("command").Raw(change.command);
    w.Key("recorded").Raw(change.recorded);
    w.Key("draft").Raw(change.draft);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out.push_back('\n');
  return out;
}

std::string ReportTable(const Report& report) {
  std::string out;
  auto period = [&](const std::optional<Date>& date) {
    return date ? FormatDate(*date) : std::string("open");
  };
  out += "what-if for zone " + report.zone + " under draft " + report.draft_sha256.substr(0, 16) +
         "…, period " + period(report.from) + " to " + period(report.to);
  if (report.first_seq == 0) return out + ": no command in the period\n";
  out +=
      " (seq " + std::to_string(report.first_seq) + "-" + std::to_string(report.last_seq) + ")\n";
  out += std::to_string(report.commands) + " commands decided again, " +
         std::to_string(report.changed) + " decisions change\n";
  if (!report.profile_entries_replaced.empty()) {
    out += "profile entries replaced by the draft:";
    for (uint64_t seq : report.profile_entries_replaced) out += " " + std::to_string(seq);
    out += "\n";
  }
  if (!report.transitions.empty()) {
    int width = 8;
    for (const auto& [verdicts, count] : report.transitions) {
      width = std::max(width, static_cast<int>(VerdictText(verdicts.first).size()));
    }
    width = std::min(width, 100);
    out += "\n" + FormatLine("%9s  %-*s  %s\n", "count", width, "recorded", "draft");
    for (const auto& [verdicts, count] : SortedTransitions(report)) {
      out +=
          FormatLine("%9llu  %-*s  %s\n", static_cast<unsigned long long>(count), width,
                     VerdictText(verdicts->first).c_str(), VerdictText(verdicts->second).c_str());
    }
  }
  Taxes change = Difference(report.draft, report.recorded);
  out += "\n" + FormatLine("%-24s %16s %16s %16s\n", "taxes (CNY)", "recorded", "draft", "change");
  auto row = [&](const char* name, int64_t recorded, int64_t draft, int64_t difference) {
    out += FormatLine("%-24s %16s %16s %16s\n", name, FormatMoney(recorded).c_str(),
                      FormatMoney(draft).c_str(), Signed(difference).c_str());
  };
  row("customs duty", report.recorded.customs_duty_fen, report.draft.customs_duty_fen,
      change.customs_duty_fen);
  row("import VAT", report.recorded.import_vat_fen, report.draft.import_vat_fen,
      change.import_vat_fen);
  row("personal-articles tax", report.recorded.personal_articles_tax_fen,
      report.draft.personal_articles_tax_fen, change.personal_articles_tax_fen);
  if (!report.changes.empty()) {
    out += "\nchanged commands";
    if (report.changes.size() < report.changed) {
      out += " (the first " + std::to_string(report.changes.size()) + ")";
    }
    out += "\n";
    for (const Change& change : report.changes) {
      out += FormatLine("%10llu  ", static_cast<unsigned long long>(change.seq)) + change.command;
      out += "\n            recorded " + change.recorded + "\n            draft    " +
             change.draft + "\n";
    }
  }
  return out;
}

Result<std::string> WhatIfJson(store::Store& store, const std::string& zone,
                               const std::string& profile_text, const std::string& from,
                               const std::string& to) {
  Request request;
  request.zone = zone;
  request.draft_text = profile_text;
  for (auto [text, date, name] :
       {std::tuple{&from, &request.from, "from"}, std::tuple{&to, &request.to, "to"}}) {
    if (text->empty()) continue;
    auto parsed = ParseDate(*text);
    if (!parsed) return Error{std::string(name) + ": " + parsed.error().message};
    *date = *parsed;
  }
  auto report = Run(store, request);
  if (!report) return report.error();
  return ReportJson(*report);
}

}  // namespace twoline::whatif
