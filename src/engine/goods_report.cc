// The zone report and the declaration view of goods_queries.h.
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
namespace {

struct FlowTotals {
  int64_t declarations = 0, lines = 0, value_fen = 0;
};

struct ReportData {
  std::map<std::tuple<Date, std::string, std::string>, FlowTotals> flows;  // date, line, direction
  std::map<std::pair<Date, std::string>, int64_t> movements;               // date, kind
  int64_t duty_fen = 0, vat_fen = 0, taxed_declarations = 0, exempted_fen = 0;
  int64_t open_duty_fen = 0, open_vat_fen = 0, open_taxed_declarations = 0;  // not yet released
  std::vector<const DeclarationRecord*> held, open;
  std::vector<std::tuple<std::string, std::string, int64_t>> refused;  // party, sku, quantity
  std::vector<std::pair<const StocktakeRecord*, const StocktakeLine*>> stocktakes;
};

bool InRange(Date date, Date from, Date to) { return date >= from && date <= to; }

void AddDeclaration(const DeclarationRecord& d, Date from, Date to, ReportData* data) {
  if (d.state == DeclarationState::kHeld) data->held.push_back(&d);
  if (d.state == DeclarationState::kHeld || d.state == DeclarationState::kAccepted) {
    data->open.push_back(&d);
    if (d.assessment && d.assessment->total_fen() > 0) {
      data->open_duty_fen += d.assessment->customs_duty_fen;
      data->open_vat_fen += d.assessment->import_vat_fen;
      ++data->open_taxed_declarations;
    }
  }
  if (d.state == DeclarationState::kPosted && InRange(d.declared_on, from, to)) {
    ++data->movements[{d.declared_on, DeclarationKindName(d.kind)}];
  }
  if (d.state != DeclarationState::kReleased || !InRange(d.released_on, from, to)) return;
  std::optional<policy::Line> line = LineOf(d.kind);
  FlowTotals& totals =
      data->flows[{d.released_on, policy::LineName(*line), IsInbound(d.kind) ? "in" : "out"}];
  ++totals.declarations;
  totals.lines += static_cast<int64_t>(d.lines.size());
  for (const GoodsLineRecord& l : d.lines) {
    totals.value_fen += l.value_fen;
    data->exempted_fen += l.exempted_fen;
  }
  if (d.assessment && d.assessment->total_fen() > 0) {
    data->duty_fen += d.assessment->customs_duty_fen;
    data->vat_fen += d.assessment->import_vat_fen;
    ++data->taxed_declarations;
  }
}

ReportData Collect(const Engine& engine, Date from, Date to) {
  const GoodsState& goods = engine.state().goods;
  ReportData data;
  for (const auto& [id, declaration] : goods.declarations)
    AddDeclaration(declaration, from, to, &data);
  for (const auto& [id, process] : goods.processes) {
    if (InRange(process.date, from, to)) ++data.movements[{process.date, "process"}];
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
  return data;
}

void WriteHeld(JsonWriter& w, const ReportData& data, int32_t offset) {
  w.Key("held").BeginArray();
  for (const DeclarationRecord* d : data.held) {
    w.BeginObject()
        .Key("declaration")
        .String(d->id)
        .Key("kind")
        .String(DeclarationKindName(d->kind));
    w.Key("declarant").String(d->declarant);
    w.Key("since").String(FormatRfc3339(d->declared_at, offset));
    w.Key("rules").BeginArray();
    for (const std::string& rule : d->hold_rules) w.String(rule);
    w.EndArray().Key("lines").BeginArray();
    for (const GoodsLineRecord& line : d->lines) {
      w.BeginObject().Key("sku").String(line.sku);
      w.Key("quantity").String(FormatQuantity(line.quantity_milli)).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
}

void WriteReportLists(JsonWriter& w, const ReportData& data) {
  w.Key("refused").BeginArray();
  for (const auto& [party, sku, quantity] : data.refused) {
    w.BeginObject().Key("party").String(party).Key("sku").String(sku);
    w.Key("quantity").String(FormatQuantity(quantity)).EndObject();
  }
  w.EndArray().Key("stocktakes").BeginArray();
  for (const auto& [stocktake, line] : data.stocktakes) {
    w.BeginObject().Key("date").String(FormatDate(stocktake->date));
    w.Key("party").String(stocktake->party).Key("command").String(stocktake->command);
    w.Key("sku").String(line->sku).Key("book").String(FormatQuantity(line->book_milli));
    w.Key("counted").String(FormatQuantity(line->counted_milli));
    w.Key("difference").String(FormatQuantity(line->counted_milli - line->book_milli));
    w.Key("value").String(FormatMoney(line->difference_value_fen)).EndObject();
  }
  w.EndArray().Key("open").BeginArray();
  for (const DeclarationRecord* d : data.open) {
    w.BeginObject()
        .Key("declaration")
        .String(d->id)
        .Key("kind")
        .String(DeclarationKindName(d->kind));
    w.Key("declarant").String(d->declarant).Key("state").String(DeclarationStateName(d->state));
    w.Key("declared_on").String(FormatDate(d->declared_on)).EndObject();
  }
  w.EndArray();
}


}  // namespace

std::string ReportJson(const Engine& engine, Date from, Date to) {
  ReportData data = Collect(engine, from, to);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("zone").String(engine.profile().id);
  w.Key("from").String(FormatDate(from)).Key("to").String(FormatDate(to));
  w.Key("flows").BeginArray();
  for (const auto& [key, totals] : data.flows) {
    w.BeginObject().Key("date").String(FormatDate(std::get<0>(key)));
    w.Key("line").String(std::get<1>(key)).Key("direction").String(std::get<2>(key));
    w.Key("declarations").Int(totals.declarations).Key("lines").Int(totals.lines);
    w.Key("value").String(FormatMoney(totals.value_fen)).EndObject();
  }
  w.EndArray().Key("movements").BeginArray();
  for (const auto& [key, count] : data.movements) {
    w.BeginObject().Key("date").String(FormatDate(key.first)).Key("kind").String(key.second);
    w.Key("documents").Int(count).EndObject();
  }
  w.EndArray().Key("collected").BeginObject().Key("currency").String("CNY");
  w.Key("customs_duty").String(FormatMoney(data.duty_fen));
  w.Key("import_vat").String(FormatMoney(data.vat_fen));
  w.Key("total").String(FormatMoney(data.duty_fen + data.vat_fen));
  w.Key("declarations").Int(data.taxed_declarations).EndObject();
  w.Key("assessed_open").BeginObject().Key("currency").String("CNY");
  w.Key("customs_duty").String(FormatMoney(data.open_duty_fen));
  w.Key("import_vat").String(FormatMoney(data.open_vat_fen));
  w.Key("total").String(FormatMoney(data.open_duty_fen + data.open_vat_fen));
  w.Key("declarations").Int(data.open_taxed_declarations).EndObject();
  w.Key("exempted").String(FormatMoney(data.exempted_fen));
  WriteHeld(w, data, engine.profile().utc_offset_minutes);
  WriteReportLists(w, data);
  w.EndObject();
  out.push_back('\n');
  return out;
}

std::string ReportTable(const Engine& engine, Date from, Date to) {
  ReportData data = Collect(engine, from, to);
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
      FormatMoney(data.duty_fen).c_str(), FormatMoney(data.vat_fen).c_str(),
      FormatMoney(data.duty_fen + data.vat_fen).c_str(),
      static_cast<long long>(data.taxed_declarations));
  out += FormatLine("ASSESSED, NOT YET RELEASED  CNY %s  (%lld declarations)\n",
             FormatMoney(data.open_duty_fen + data.open_vat_fen).c_str(),
             static_cast<long long>(data.open_taxed_declarations));
  out += "EXEMPTED   CNY " + FormatMoney(data.exempted_fen) + "\n\nHELD NOW\n";
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
