// The goods rows of the read models (read_models.h lists them) as the goods queries
// (engine/goods_queries.h) render them. Kept in one file so that the tracker depends on the goods
// module in exactly one place.
#include <simdjson.h>

#include "base/json_writer.h"
#include "engine/goods_queries.h"
#include "store/read_models.h"

namespace twoline::store {

std::optional<ViewRow> BalanceRow(const engine::Engine& engine, const std::string& party) {
  std::string json = engine::BalanceSummaryJson(engine, party);
  if (json.empty()) return std::nullopt;
  return ViewRow{"balance", party, party, "", std::move(json), false};
}

std::string BalanceLotKey(const std::string& party, const std::string& sku, uint64_t lot) {
  return party + " " + sku + " " + LotKey(lot);
}

std::optional<ViewRow> BalanceLotRow(const engine::Engine& engine, uint64_t lot) {
  const ledger::Lot* found = engine.state().goods.ledger.FindLot(lot);
  if (found == nullptr) return std::nullopt;
  std::string key = BalanceLotKey(found->spec.party, found->spec.sku, lot);
  // Live as ledger::Ledger::LiveLots counts it: a lot leaves that list when nothing is on hand.
  if (found->on_hand.quantity_milli == 0) return ViewRow{"balance_lot", std::move(key), "", "", "", true};
  return ViewRow{"balance_lot", std::move(key), found->spec.party, ledger::StatusName(found->status),
                 engine::BalanceLotJson(*found), false};
}

std::optional<ViewRow> DocumentRow(const engine::Engine& engine, const std::string& id) {
  std::string json = engine::DocumentJson(engine, id);
  if (json.empty()) return std::nullopt;
  const engine::DeclarationRecord* record = engine.state().goods.FindDeclaration(id);
  return ViewRow{"document", id, engine::DocumentParties(engine, id).first,
                 record != nullptr ? engine::DeclarationStateName(record->state) : "posted",
                 std::move(json), false};
}

std::optional<ViewRow> LotRow(const engine::Engine& engine, uint64_t lot) {
  const ledger::Lot* found = engine.state().goods.ledger.FindLot(lot);
  if (found == nullptr) return std::nullopt;
  std::string admission = engine::AdmissionJson(engine, lot);
  std::string json = "{\"lot\":" + engine::LotJson(engine, lot) +
                     ",\"admission\":" + (admission.empty() ? "null" : admission) + "}";
  return ViewRow{"lot", LotKey(lot), found->spec.party, ledger::StatusName(found->status),
                 std::move(json), false};
}

std::optional<ViewRow> OpenRow(const engine::Engine& engine, const std::string& id) {
  const engine::DeclarationRecord* record = engine.state().goods.FindDeclaration(id);
  if (record == nullptr) return std::nullopt;
  if (!engine::IsOpen(*record)) return ViewRow{"open", id, "", "", "", true};
  engine::ReportTotals assessed = engine::AssessedOf(*record);
  std::string json;
  JsonWriter w(&json);
  w.BeginObject().Key("held");
  if (record->state == engine::DeclarationState::kHeld) {
    w.Raw(engine::ReportHeldJson(*record, engine.profile().utc_offset_minutes));
  } else {
    w.Null();
  }
  w.Key("open").Raw(engine::ReportOpenJson(*record));
  w.Key("customs_duty_fen").Int(assessed.customs_duty_fen);
  w.Key("import_vat_fen").Int(assessed.import_vat_fen);
  w.Key("taxed").Int(assessed.taxed_declarations).EndObject();
  return ViewRow{"open", id, record->declarant, engine::DeclarationStateName(record->state),
                 std::move(json), false};
}

ViewRow RefusedRow(const engine::Engine& engine, const std::string& party, const std::string& sku) {
  const std::string key = party + " " + sku;
  ledger::Balance balance = engine.state().goods.ledger.AccountBalance(
      ledger::AccountKey::Internal(party, sku, ledger::Status::kRefused));
  if (balance.quantity_milli <= 0) return ViewRow{"refused", key, "", "", "", true};
  return ViewRow{"refused", key, party, "",
                 engine::ReportRefusedJson(party, sku, balance.quantity_milli), false};
}

std::optional<ViewRow> StocktakeRow(const engine::Engine& engine, size_t index) {
  const engine::StocktakeRecord& stocktake = engine.state().goods.stocktakes.at(index);
  std::string json = "[";
  for (const engine::StocktakeLine& line : stocktake.lines) {
    if (line.counted_milli == line.book_milli) continue;
    if (json.size() > 1) json += ',';
    json += engine::ReportStocktakeJson(stocktake, line);
  }
  if (json.size() == 1) return std::nullopt;
  json += ']';
  return ViewRow{"stocktake", FormatDate(stocktake.date) + " " + SeqKey(index + 1),
                 stocktake.party, "", std::move(json), false};
}

std::string FlowKey(const engine::ReportFlow& flow) {
  return FormatDate(flow.date) + " " + flow.line + " " + flow.direction;
}

ViewRow FlowRow(const engine::ReportFlow& flow) {
  const engine::ReportTotals& t = flow.totals;
  std::string json;
  JsonWriter w(&json);
  w.BeginObject().Key("date").String(FormatDate(flow.date)).Key("line").String(flow.line);
  w.Key("direction").String(flow.direction).Key("declarations").Int(t.declarations);
  w.Key("lines").Int(t.lines).Key("value_fen").Int(t.value_fen);
  w.Key("customs_duty_fen").Int(t.customs_duty_fen).Key("import_vat_fen").Int(t.import_vat_fen);
  w.Key("taxed_declarations").Int(t.taxed_declarations).Key("exempted_fen").Int(t.exempted_fen);
  w.EndObject();
  return ViewRow{"flow", FlowKey(flow), "", "", std::move(json), false};
}

std::string MovementKey(const engine::ReportMovement& movement) {
  return FormatDate(movement.date) + " " + movement.kind;
}

ViewRow MovementRow(const engine::ReportMovement& movement) {
  std::string json;
  JsonWriter w(&json);
  w.BeginObject().Key("date").String(FormatDate(movement.date)).Key("kind").String(movement.kind);
  w.Key("documents").Int(movement.documents).EndObject();
  return ViewRow{"movement", MovementKey(movement), "", "", std::move(json), false};
}

namespace {

// Reads named members of a row's JSON object: strings, and integers into int64_t.
class RowFields {
 public:
  explicit RowFields(const ViewRow& row) : row_(row) {
    if (parser_.parse(row.json).get(object_)) ok_ = false;
  }
  RowFields& Text(const char* name, std::string* out) {
    std::string_view value;
    if (ok_ && !object_[name].get(value)) {
      *out = std::string(value);
    } else {
      ok_ = false;
    }
    return *this;
  }
  RowFields& Integer(const char* name, int64_t* out) {
    if (ok_ && object_[name].get(*out)) ok_ = false;
    return *this;
  }
  RowFields& Day(const char* name, Date* out) {
    std::string text;
    Text(name, &text);
    if (!ok_) return *this;
    auto date = ParseDate(text);
    if (date) {
      *out = *date;
    } else {
      ok_ = false;
    }
    return *this;
  }
  Status status() const {
    if (ok_) return Status::Ok();
    return Error{"malformed " + row_.kind + " row: " + row_.json};
  }

 private:
  const ViewRow& row_;
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
  bool ok_ = true;
};

}  // namespace

Result<engine::ReportFlow> FlowOfRow(const ViewRow& row) {
  engine::ReportFlow flow;
  engine::ReportTotals& t = flow.totals;
  RowFields fields(row);
  fields.Day("date", &flow.date).Text("line", &flow.line).Text("direction", &flow.direction);
  fields.Integer("declarations", &t.declarations).Integer("lines", &t.lines);
  fields.Integer("value_fen", &t.value_fen).Integer("customs_duty_fen", &t.customs_duty_fen);
  fields.Integer("import_vat_fen", &t.import_vat_fen);
  fields.Integer("taxed_declarations", &t.taxed_declarations);
  fields.Integer("exempted_fen", &t.exempted_fen);
  if (Status status = fields.status(); !status) return Error{status.message()};
  return flow;
}

Result<engine::ReportMovement> MovementOfRow(const ViewRow& row) {
  engine::ReportMovement movement;
  RowFields fields(row);
  fields.Day("date", &movement.date).Text("kind", &movement.kind);
  fields.Integer("documents", &movement.documents);
  if (Status status = fields.status(); !status) return Error{status.message()};
  return movement;
}

}  // namespace twoline::store
