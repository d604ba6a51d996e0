// The zone report of goods_queries.h, and its parts one record at a time (for the read models).
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <tuple>

#include "base/format.h"
#include "base/decimal.h"
#include "base/json_writer.h"
#include "engine/goods_plan.h"
#include "engine/goods_queries.h"
#include "engine/goods_state.h"

namespace twoline::engine {

ReportTotals& ReportTotals::operator+=(const ReportTotals& other) {
  declarations += other.declarations;
  lines += other.lines;
  value_fen += other.value_fen;
  customs_duty_fen += other.customs_duty_fen;
  import_vat_fen += other.import_vat_fen;
  taxed_declarations += other.taxed_declarations;
  exempted_fen += other.exempted_fen;
  return *this;
}

bool IsOpen(const DeclarationRecord& d) {
  return d.state == DeclarationState::kHeld || d.state == DeclarationState::kAccepted;
}

ReportTotals AssessedOf(const DeclarationRecord& d) {
  ReportTotals totals;
  if (d.assessment && d.assessment->total_fen() > 0) {
    totals.customs_duty_fen = d.assessment->customs_duty_fen;
    totals.import_vat_fen = d.assessment->import_vat_fen;
    totals.taxed_declarations = 1;
  }
  return totals;
}

std::optional<ReportFlow> ReleasedFlowOf(const DeclarationRecord& d) {
  if (d.state != DeclarationState::kReleased) return std::nullopt;
  std::optional<policy::Line> line = LineOf(d.kind);
  if (!line) return std::nullopt;
  ReportFlow flow{d.released_on, policy::LineName(*line), IsInbound(d.kind) ? "in" : "out",
                  AssessedOf(d)};
  flow.totals.declarations = 1;
  flow.totals.lines = static_cast<int64_t>(d.lines.size());
  for (const GoodsLineRecord& l : d.lines) {
    flow.totals.value_fen += l.value_fen;
    flow.totals.exempted_fen += l.exempted_fen;
  }
  return flow;
}

std::optional<ReportMovement> MovementOf(const DeclarationRecord& d) {
  if (d.state != DeclarationState::kPosted) return std::nullopt;
  return ReportMovement{d.declared_on, DeclarationKindName(d.kind), 1};
}

ReportMovement MovementOf(const ProcessRecord& p) { return ReportMovement{p.date, "process", 1}; }

std::string ReportHeldJson(const DeclarationRecord& d, int32_t offset) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("declaration").String(GoodsState::DocumentName(d.id)).Key("kind").String(DeclarationKindName(d.kind));
  w.Key("declarant").String(d.declarant);
  w.Key("since").String(FormatRfc3339(d.declared_at, offset));
  w.Key("rules").BeginArray();
  for (const std::string& rule : d.hold_rules) w.String(rule);
  w.EndArray().Key("lines").BeginArray();
  for (const GoodsLineRecord& line : d.lines) {
    w.BeginObject().Key("sku").String(line.sku);
    w.Key("quantity").String(FormatQuantity(line.quantity_milli)).EndObject();
  }
  w.EndArray().EndObject();
  return out;
}

std::string ReportOpenJson(const DeclarationRecord& d) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("declaration").String(GoodsState::DocumentName(d.id)).Key("kind").String(DeclarationKindName(d.kind));
  w.Key("declarant").String(d.declarant).Key("state").String(DeclarationStateName(d.state));
  w.Key("declared_on").String(FormatDate(d.declared_on)).EndObject();
  return out;
}

std::string ReportRefusedJson(std::string_view party, std::string_view sku, int64_t quantity_milli) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("party").String(party).Key("sku").String(sku);
  w.Key("quantity").String(FormatQuantity(quantity_milli)).EndObject();
  return out;
}

std::string ReportStocktakeJson(const StocktakeRecord& stocktake, const StocktakeLine& line) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("date").String(FormatDate(stocktake.date));
  w.Key("party").String(stocktake.party).Key("command").String(stocktake.command);
  w.Key("sku").String(line.sku).Key("book").String(FormatQuantity(line.book_milli));
  w.Key("counted").String(FormatQuantity(line.counted_milli));
  w.Key("difference").String(FormatQuantity(line.counted_milli - line.book_milli));
  w.Key("value").String(FormatMoney(line.difference_value_fen)).EndObject();
  return out;
}

namespace {

bool InRange(Date date, Date from, Date to) { return date >= from && date <= to; }

using FlowKey = std::tuple<Date, std::string, std::string>;  // date, line, direction
using MovementKey = std::pair<Date, std::string>;              // date, kind

struct ReportData {
  std::map<FlowKey, ReportTotals> flows;
  std::map<MovementKey, int64_t> movements;
  ReportTotals open_assessed;  // on declarations not yet released
  std::vector<const DeclarationRecord*> held, open;
  std::vector<std::tuple<std::string, std::string, int64_t>> refused;  // party, sku, quantity
  std::vector<std::pair<const StocktakeRecord*, const StocktakeLine*>> stocktakes;
  ReportTotals Collected() const {
    ReportTotals sum;
    for (const auto& [key, totals] : flows) sum += totals;
    return sum;
  }
};

void AddDeclaration(const DeclarationRecord& d, Date from, Date to, ReportData* data) {
  if (d.state == DeclarationState::kHeld) data->held.push_back(&d);
  if (IsOpen(d)) {
    data->open.push_back(&d);
    data->open_assessed += AssessedOf(d);
  }
  if (auto movement = MovementOf(d); movement && InRange(movement->date, from, to)) {
    data->movements[{movement->date, movement->kind}] += movement->documents;
  }
  if (auto flow = ReleasedFlowOf(d); flow && InRange(flow->date, from, to)) {
    data->flows[{flow->date, flow->line, flow->direction}] += flow->totals;
  }
}

ReportData Collect(const Engine& engine, Date from, Date to) {
  const GoodsState& goods = engine.state().goods;
  ReportData data;
  goods.declarations.ForEach([&](const std::string&, const DeclarationRecord& declaration) {
    AddDeclaration(declaration, from, to, &data);
  });
  for (const auto& [id, process] : goods.processes) {
    ReportMovement movement = MovementOf(process);
    if (InRange(movement.date, from, to)) data.movements[{movement.date, movement.kind}] += 1;
  }
  for (const auto& [key, balance] : goods.ledger.accounts()) {
    if (key.internal() && key.status() == ledger::Status::kRefused && balance.quantity_milli > 0) {
      data.refused.emplace_back(key.party, key.sku, balance.quantity_milli);
    }
  }
  std::sort(data.refused.begin(), data.refused.end());
  for (const StocktakeRecord& stocktake : goods.stocktakes) {
    if (!InRange(stocktake.date, from, to)) continue;
    for (const StocktakeLine& line : stocktake.lines) {
      if (line.counted_milli != line.book_milli) data.stocktakes.emplace_back(&stocktake, &line);
    }
  }
  // By date, then in the order taken (commands are applied in submission order, not by `at`).
  std::stable_sort(data.stocktakes.begin(), data.stocktakes.end(),
                   [](const auto& a, const auto& b) { return a.first->date < b.first->date; });
  return data;
}

void WriteTotals(JsonWriter& w, const char* key, const ReportTotals& totals) {
  w.Key(key).BeginObject().Key("currency").String("CNY");
  w.Key("customs_duty").String(FormatMoney(totals.customs_duty_fen));
  w.Key("import_vat").String(FormatMoney(totals.import_vat_fen));
  w.Key("total").String(FormatMoney(totals.customs_duty_fen + totals.import_vat_fen));
  w.Key("declarations").Int(totals.taxed_declarations).EndObject();
}

void WriteEntries(JsonWriter& w, const char* key, const std::vector<std::string>& entries) {
  w.Key(key).BeginArray();
  for (const std::string& entry : entries) w.Raw(entry);
  w.EndArray();
}

}  // namespace

std::string ReportPartsJson(const ReportParts& parts) {
  ReportTotals collected;
  for (const ReportFlow& flow : parts.flows) collected += flow.totals;
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("zone").String(parts.zone);
  w.Key("from").String(FormatDate(parts.from)).Key("to").String(FormatDate(parts.to));
  w.Key("flows").BeginArray();
  for (const ReportFlow& flow : parts.flows) {
    w.BeginObject().Key("date").String(FormatDate(flow.date));
    w.Key("line").String(flow.line).Key("direction").String(flow.direction);
    w.Key("declarations").Int(flow.totals.declarations).Key("lines").Int(flow.totals.lines);
    w.Key("value").String(FormatMoney(flow.totals.value_fen)).EndObject();
  }
  w.EndArray().Key("movements").BeginArray();
  for (const ReportMovement& movement : parts.movements) {
    w.BeginObject().Key("date").String(FormatDate(movement.date)).Key("kind").String(movement.kind);
    w.Key("documents").Int(movement.documents).EndObject();
  }
  w.EndArray();
  WriteTotals(w, "collected", collected);
  WriteTotals(w, "assessed_open", parts.open_assessed);
  w.Key("exempted").String(FormatMoney(collected.exempted_fen));
  WriteEntries(w, "held", parts.held);
  WriteEntries(w, "refused", parts.refused);
  WriteEntries(w, "stocktakes", parts.stocktakes);
  WriteEntries(w, "open", parts.open);
  w.EndObject();
  out.push_back('\n');
  return out;
}

std::string ReportJson(const Engine& engine, Date from, Date to) {
  ReportData data = Collect(engine, from, to);
  const int32_t offset = engine.profile().utc_offset_minutes;
  ReportParts parts;
  parts.zone = engine.profile().id;
  parts.from = from;
  parts.to = to;
  for (const auto& [key, totals] : data.flows) {
    parts.flows.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), totals});
  }
  for (const auto& [key, count] : data.movements) {
    parts.movements.push_back({key.first, key.second, count});
  }
  parts.open_assessed = data.open_assessed;
  for (const DeclarationRecord* d : data.held) parts.held.push_back(ReportHeldJson(*d, offset));
  for (const auto& [party, sku, quantity] : data.refused) {
    parts.refused.push_back(ReportRefusedJson(party, sku, quantity));
  }
  for (const auto& [stocktake, line] : data.stocktakes) {
    parts.stocktakes.push_back(ReportStocktakeJson(*stocktake, *line));
  }
  for (const DeclarationRecord* d : data.open) parts.open.push_back(ReportOpenJson(*d));
  return ReportPartsJson(parts);
}

std::string ReportTable(const Engine& engine, Date from, Date to) {
  ReportData data = Collect(engine, from, to);
  const ReportTotals collected = data.Collected();
  std::string out = engine.profile().id + ": goods report " + FormatDate(from) + " to " +
                    FormatDate(to) + "\n\nFLOWS (released)\n";
  out += FormatLine("%-10s %-6s %-9s %12s %8s %18s\n", "DATE", "LINE", "DIRECTION", "DECLARATIONS",
             "LINES", "VALUE CNY");
  for (const auto& [key, t] : data.flows) {
    out += FormatLine("%-10s %-6s %-9s %12lld %8lld %18s\n", FormatDate(std::get<0>(key)).c_str(),
               std::get<1>(key).c_str(), std::get<2>(key).c_str(),
               static_cast<long long>(t.declarations), static_cast<long long>(t.lines),
               FormatMoney(t.value_fen).c_str());
  }
  out += "\nMOVEMENTS INSIDE THE ZONE\n";
  for (const auto& [key, count] : data.movements) {
    out += FormatLine("%-10s %-10s %8lld\n", FormatDate(key.first).c_str(), key.second.c_str(),
               static_cast<long long>(count));
  }
  out += FormatLine(
      "\nCOLLECTED  customs duty CNY %s  import VAT CNY %s  total CNY %s  (%lld declarations)\n",
      FormatMoney(collected.customs_duty_fen).c_str(), FormatMoney(collected.import_vat_fen).c_str(),
      FormatMoney(collected.customs_duty_fen + collected.import_vat_fen).c_str(),
      static_cast<long long>(collected.taxed_declarations));
  out += FormatLine("ASSESSED, NOT YET RELEASED  CNY %s  (%lld declarations)\n",
             FormatMoney(data.open_assessed.customs_duty_fen + data.open_assessed.import_vat_fen).c_str(),
             static_cast<long long>(data.open_assessed.taxed_declarations));
  out += "EXEMPTED   CNY " + FormatMoney(collected.exempted_fen) + "\n\nHELD NOW\n";
  for (const DeclarationRecord* d : data.held) {
    std::string rules;
    for (const std::string& rule : d->hold_rules) rules += (rules.empty() ? "" : ", ") + rule;
    out += FormatLine("%-20s %-16s %-14s %s\n", d->id.c_str(), DeclarationKindName(d->kind),
               d->declarant.c_str(), rules.c_str());
  }
  out += "\nREFUSED NOW\n";
  for (const auto& [party, sku, quantity] : data.refused) {
    out += FormatLine("%-14s %-20s %12s\n", party.c_str(), sku.c_str(), FormatQuantity(quantity).c_str());
  }
  out += "\nSTOCKTAKE DIFFERENCES\n";
  for (const auto& [stocktake, line] : data.stocktakes) {
    out +=
        FormatLine("%-10s %-14s %-20s book %s counted %s difference %s (CNY %s)\n",
            FormatDate(stocktake->date).c_str(), stocktake->party.c_str(), line->sku.c_str(),
            FormatQuantity(line->book_milli).c_str(), FormatQuantity(line->counted_milli).c_str(),
            FormatQuantity(line->counted_milli - line->book_milli).c_str(),
            FormatMoney(line->difference_value_fen).c_str());
  }
  out += "\nOPEN DECLARATIONS\n";
  for (const DeclarationRecord* d : data.open) {
    out += FormatLine("%-20s %-16s %-14s %-9s %s\n", d->id.c_str(), DeclarationKindName(d->kind),
               d->declarant.c_str(), DeclarationStateName(d->state),
               FormatDate(d->declared_on).c_str());
  }
  return out;
}

}  // namespace twoline::engine
