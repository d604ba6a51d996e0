#include "base/format.h"
#include "engine/goods_queries.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "base/check.h"
#include "base/decimal.h"
#include "base/json_writer.h"
#include "engine/goods_plan.h"
#include "engine/goods_state.h"

namespace twoline::engine {
namespace {

using ledger::AccountKey;
using ledger::Lot;

const GoodsState& Goods(const Engine& engine) { return engine.state().goods; }

std::string Quantity(int64_t milli) { return FormatQuantity(milli); }

// What nothing holds back: on hand less reserved, and nothing while in customs custody (held goods
// are never free: docs/ledger.md). Refused goods are free for the kinds that may take them (a
// first-line return, a scrapping).
int64_t FreeMilli(const AccountKey& key, const ledger::Balance& balance) {
  if (key.status() == ledger::Status::kHeld) return 0;
  return balance.quantity_milli - balance.reserved_milli;
}

// Internal accounts of a party with anything on them, in (sku, status) order.
std::vector<std::pair<const AccountKey*, const ledger::Balance*>> PartyAccounts(
    const Engine& engine, std::string_view party) {
  // Through the party's skus (ledger::Ledger::SkusOf): the cost is the party's accounts, not the
  // zone's. Keys come out in (sku, status) order, as accounts() iterates them.
  std::vector<std::pair<const AccountKey*, const ledger::Balance*>> out;
  const ledger::Ledger& ledger = Goods(engine).ledger;
  for (const std::string& sku : ledger.SkusOf(party)) {
    for (auto it = ledger.accounts().lower_bound(AccountKey{sku, std::string(party), 0});
         it != ledger.accounts().end() && it->first.sku == sku && it->first.party == party &&
         it->first.internal();
         ++it) {
      const ledger::Balance& balance = it->second;
      if (balance.quantity_milli == 0 && balance.incoming_milli == 0) continue;
      out.emplace_back(&it->first, &balance);
    }
  }
  return out;
}

std::vector<const Lot*> PartyLots(const Engine& engine, std::string_view party) {
  const ledger::Ledger& ledger = Goods(engine).ledger;
  std::vector<const Lot*> lots;
  for (const std::string& sku : ledger.SkusOf(party)) {
    for (uint64_t id : ledger.LiveLots(party, sku)) lots.push_back(ledger.FindLot(id));
  }
  return lots;
}

void WriteLot(JsonWriter& w, const Lot& lot, bool with_parents) {
  w.BeginObject().Key("lot").Int(static_cast<int64_t>(lot.id));
  w.Key("party").String(lot.spec.party).Key("sku").String(lot.spec.sku);
  w.Key("status").String(ledger::StatusName(lot.status));
  w.Key("quantity").String(Quantity(lot.spec.amounts.quantity_milli));
  w.Key("on_hand").String(Quantity(lot.on_hand.quantity_milli));
  w.Key("reserved").String(Quantity(lot.reserved.quantity_milli));
  w.Key("value").String(FormatMoney(lot.on_hand.value_fen));
  w.Key("imported_input").String(FormatMoney(lot.on_hand.imported_input_fen));
  w.Key("mainland_input").String(FormatMoney(lot.on_hand.mainland_input_fen));
  w.Key("origin").String(lot.spec.origin);
  if (lot.spec.produced_on) w.Key("produced_on").String(FormatDate(*lot.spec.produced_on));
  w.Key("created_by").String(GoodsState::DocumentName(lot.created_by));
  w.Key("source").String(ledger::LotSourceName(lot.spec.source));
  w.Key("created_on").String(FormatDate(lot.created_on));
  if (with_parents) {
    w.Key("parents").BeginArray();
    for (const ledger::LotParent& parent : lot.spec.parents) {
      w.BeginObject().Key("lot").Int(static_cast<int64_t>(parent.lot));
      w.Key("quantity").String(Quantity(parent.quantity_milli)).EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

// The lots a document touched: created, taken from (postings) or reserved (pending), sorted.
std::vector<uint64_t> StartLots(const ledger::Ledger& ledger, std::string_view document) {
  std::set<uint64_t> lots;
  for (uint64_t id : ledger.LotsCreatedBy(document)) lots.insert(id);
  for (uint64_t id : ledger.PostingsOf(document)) {
    const ledger::Posting& posting = ledger.postings()[id - 1];
    if (posting.from_lot != 0) lots.insert(posting.from_lot);
    if (posting.to_lot != 0) lots.insert(posting.to_lot);
  }
  if (const ledger::Pending* pending = ledger.FindPending(document)) {
    for (const ledger::Slice& slice : pending->slices) lots.insert(slice.lot);
  }
  return {lots.begin(), lots.end()};
}

struct TraceResult {
  std::vector<uint64_t> start;
  std::vector<const Lot*> lots;  // sorted by id
  bool truncated = false;
};

TraceResult Trace(const ledger::Ledger& ledger, std::string_view document) {
  TraceResult result;
  result.start = StartLots(ledger, document);
  std::set<uint64_t> seen(result.start.begin(), result.start.end());
  std::vector<uint64_t> frontier = result.start;
  while (!frontier.empty()) {
    uint64_t id = frontier.back();
    frontier.pop_back();
    for (const ledger::LotParent& parent : ledger.FindLot(id)->spec.parents) {
      if (seen.size() >= kTraceLotsMax) {
        result.truncated = true;
        break;
      }
      if (seen.insert(parent.lot).second) frontier.push_back(parent.lot);
    }
  }
  for (uint64_t id : seen) result.lots.push_back(ledger.FindLot(id));
  return result;
}

std::string DocumentKind(const Engine& engine, std::string_view id) {
  if (const DeclarationRecord* record = Goods(engine).FindDeclaration(id)) {
    return DeclarationKindName(record->kind);
  }
  if (Goods(engine).FindProcess(id) != nullptr) return "process";
  return "";
}

// An admission lot as a trace's "admissions" lists it.
void WriteAdmission(JsonWriter& w, const Lot& lot) {
  w.BeginObject().Key("lot").Int(static_cast<int64_t>(lot.id));
  w.Key("declaration").String(GoodsState::DocumentName(lot.created_by));
  w.Key("source").String(ledger::LotSourceName(lot.spec.source));
  w.Key("party").String(lot.spec.party).Key("sku").String(lot.spec.sku);
  w.Key("origin").String(lot.spec.origin);
  w.Key("quantity").String(Quantity(lot.spec.amounts.quantity_milli));
  w.Key("created_on").String(FormatDate(lot.created_on)).EndObject();
}

void WriteStart(JsonWriter& w, const std::vector<uint64_t>& start) {
  w.Key("start").BeginArray();
  for (uint64_t id : start) w.Int(static_cast<int64_t>(id));
  w.EndArray();
}

void WriteTrace(JsonWriter& w, const Engine& engine, std::string_view document) {
  TraceResult trace = Trace(Goods(engine).ledger, document);
  w.BeginObject().Key("zone").String(engine.profile().id);
  w.Key("document").String(GoodsState::DocumentName(document)).Key("kind").String(DocumentKind(engine, document));
  WriteStart(w, trace.start);
  w.Key("lots").BeginArray();
  for (const Lot* lot : trace.lots) WriteLot(w, *lot, true);
  w.EndArray().Key("admissions").BeginArray();
  for (const Lot* lot : trace.lots) {
    if (ledger::IsAdmission(lot->spec.source)) WriteAdmission(w, *lot);
  }
  w.EndArray().Key("truncated").Bool(trace.truncated).EndObject();
}

bool KnownDocument(const Engine& engine, std::string_view id) {
  return Goods(engine).IsDocumentKey(id);
}

void WriteAccount(JsonWriter& w, const AccountKey& key) {
  w.BeginObject().Key("party").String(key.party).Key("sku").String(key.sku);
  w.Key("account").String(key.Name()).EndObject();
}

// The assessment as the decision gave it (CanonicalDecisionJson): `exempted` and
// `personal_articles_tax` only when not zero, so that a declaration read shows the decision that was
// returned. (A line's own `exempted` also counts the customs duty a value-added exemption waived
// at the second line, which the decision names in its reason.)
void WriteAssessment(JsonWriter& w, const Assessment& a) {
  w.Key("assessment").BeginObject().Key("currency").String("CNY");
  w.Key("customs_duty").String(FormatMoney(a.customs_duty_fen));
  if (a.exempted_fen > 0) w.Key("exempted").String(FormatMoney(a.exempted_fen));
  w.Key("import_vat").String(FormatMoney(a.import_vat_fen));
  if (a.personal_articles_tax_fen > 0) {
    w.Key("personal_articles_tax").String(FormatMoney(a.personal_articles_tax_fen));
  }
  w.Key("total").String(FormatMoney(a.total_fen())).EndObject();
}

void WriteDeclarationBody(JsonWriter& w, const DeclarationRecord& d, int32_t offset) {
  w.Key("declaration").BeginObject().Key("id").String(GoodsState::DocumentName(d.id));
  w.Key("kind").String(DeclarationKindName(d.kind)).Key("declarant").String(d.declarant);
  w.Key("counterparty").String(d.counterparty).Key("purpose").String(d.purpose);
  w.Key("state").String(DeclarationStateName(d.state));
  w.Key("declared_at").String(FormatRfc3339(d.declared_at, offset));
  if (d.state == DeclarationState::kReleased) {
    w.Key("released_gate")
        .String(d.released_gate)
        .Key("released_on")
        .String(FormatDate(d.released_on));
  }
  w.Key("hold_rules").BeginArray();
  for (const std::string& rule : d.hold_rules) w.String(rule);
  w.EndArray();
  if (d.inspection_passed) w.Key("inspection").String(*d.inspection_passed ? "pass" : "fail");
  w.Key("export_refund").Bool(d.export_refund);
  w.Key("lines").BeginArray();
  for (const GoodsLineRecord& l : d.lines) {
    w.BeginObject().Key("sku").String(l.sku).Key("hs_code").String(l.hs_code);
    w.Key("quantity").String(Quantity(l.quantity_milli));
    w.Key("value").String(FormatMoney(l.value_cents)).Key("currency").String(l.currency);
    w.Key("value_cny").String(FormatMoney(l.value_fen)).Key("origin").String(l.origin);
    if (l.produced_on) w.Key("produced_on").String(FormatDate(*l.produced_on));
    w.Key("certificates").BeginArray();
    for (const std::string& certificate : l.certificates) w.String(certificate);
    w.EndArray();
    if (IsInbound(d.kind)) w.Key("status").String(ledger::StatusName(l.status));
    w.Key("customs_duty").String(FormatMoney(l.customs_duty_fen));
    w.Key("import_vat").String(FormatMoney(l.import_vat_fen));
    w.Key("exempted").String(FormatMoney(l.exempted_fen)).EndObject();
  }
  w.EndArray().EndObject();
  w.Key("decision").BeginObject().Key("command").String(d.command);
  w.Key("outcome").String(OutcomeName(d.outcome)).Key("reasons").BeginArray();
  for (const Reason& reason : d.reasons) {
    w.BeginObject().Key("rule").String(reason.rule).Key("detail").String(reason.detail).EndObject();
  }
  w.EndArray();
  if (d.assessment) WriteAssessment(w, *d.assessment);
  w.EndObject().Key("events").BeginArray();
  for (const GoodsEvent& event : d.events) {
    w.BeginObject().Key("command").String(event.command);
    w.Key("at").String(FormatRfc3339(event.at, offset)).Key("what").String(event.what);
    w.Key("detail").String(event.detail).EndObject();
  }
  w.EndArray();
}

void WriteProcessBody(JsonWriter& w, const ProcessRecord& p, int32_t offset) {
  auto quantities = [&](const char* key, const std::vector<SkuQuantity>& entries) {
    w.Key(key).BeginArray();
    for (const SkuQuantity& entry : entries) {
      w.BeginObject().Key("sku").String(entry.sku);
      w.Key("quantity").String(Quantity(entry.quantity_milli)).EndObject();
    }
    w.EndArray();
  };
  w.Key("process").BeginObject().Key("id").String(GoodsState::DocumentName(p.id)).Key("declarant").String(p.declarant);
  w.Key("command").String(p.command).Key("at").String(FormatRfc3339(p.at, offset));
  w.Key("output_status").String(ledger::StatusName(p.output_status));
  quantities("inputs", p.inputs);
  quantities("outputs", p.outputs);
  w.EndObject();
}

void WritePendingAndPostings(JsonWriter& w, const ledger::Ledger& ledger, std::string_view id) {
  w.Key("pending");
  if (const ledger::Pending* pending = ledger.FindPending(id)) {
    w.BeginObject().Key("reserved").BeginArray();
    for (const ledger::Slice& slice : pending->slices) {
      w.BeginObject().Key("lot").Int(static_cast<int64_t>(slice.lot));
      w.Key("quantity").String(Quantity(slice.amounts.quantity_milli));
      w.Key("value").String(FormatMoney(slice.amounts.value_fen)).EndObject();
    }
    w.EndArray().Key("incoming").BeginArray();
    for (const ledger::LotSpec& spec : pending->incoming) {
      w.BeginObject().Key("sku").String(spec.sku).Key("status").String(
          ledger::StatusName(spec.status));
      w.Key("quantity").String(Quantity(spec.amounts.quantity_milli));
      w.Key("value").String(FormatMoney(spec.amounts.value_fen)).EndObject();
    }
    w.EndArray().EndObject();
  } else {
    w.Null();
  }
  w.Key("postings").BeginArray();
  for (uint64_t posting_id : ledger.PostingsOf(id)) {
    const ledger::Posting& p = ledger.postings()[posting_id - 1];
    w.BeginObject()
        .Key("id")
        .Int(static_cast<int64_t>(p.id))
        .Key("date")
        .String(FormatDate(p.date));
    w.Key("from");
    WriteAccount(w, p.from);
    w.Key("to");
    WriteAccount(w, p.to);
    w.Key("from_lot")
        .Int(static_cast<int64_t>(p.from_lot))
        .Key("to_lot")
        .Int(static_cast<int64_t>(p.to_lot));
    w.Key("quantity")
        .String(Quantity(p.quantity_milli))
        .Key("value")
        .String(FormatMoney(p.value_fen));
    w.EndObject();
  }
  w.EndArray();
}


}  // namespace

std::string BalanceSummaryJson(const Engine& engine, std::string_view party) {
  if (engine.state().FindParty(party) == nullptr) return "";
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("zone").String(engine.profile().id).Key("party").String(party);
  w.Key("balances").BeginArray();
  for (const auto& [key, balance] : PartyAccounts(engine, party)) {
    w.BeginObject().Key("sku").String(key->sku).Key("status").String(key->Name());
    w.Key("quantity").String(Quantity(balance->quantity_milli));
    w.Key("value").String(FormatMoney(balance->value_fen));
    w.Key("reserved").String(Quantity(balance->reserved_milli));
    w.Key("free").String(Quantity(FreeMilli(*key, *balance)));
    w.Key("incoming").String(Quantity(balance->incoming_milli)).EndObject();
  }
  w.EndArray().EndObject();
  return out;
}

std::string BalanceLotJson(const Lot& lot) {
  std::string out;
  JsonWriter w(&out);
  WriteLot(w, lot, false);
  return out;
}

std::string BalanceOfParts(std::string_view summary, const std::vector<std::string_view>& lots) {
  CHECK(!summary.empty() && summary.back() == '}');
  size_t bytes = summary.size() + 12;
  for (std::string_view lot : lots) bytes += lot.size() + 1;
  std::string out;
  out.reserve(bytes);
  out.append(summary.substr(0, summary.size() - 1));
  out.append(",\"lots\":[");
  for (size_t i = 0; i < lots.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(lots[i]);
  }
  out.append("]}\n");
  return out;
}

std::string BalanceJson(const Engine& engine, std::string_view party) {
  std::string summary = BalanceSummaryJson(engine, party);
  if (summary.empty()) return "";
  std::vector<std::string> lots;
  for (const Lot* lot : PartyLots(engine, party)) lots.push_back(BalanceLotJson(*lot));
  return BalanceOfParts(summary, std::vector<std::string_view>(lots.begin(), lots.end()));
}

std::string BalanceTable(const Engine& engine, std::string_view party) {
  if (engine.state().FindParty(party) == nullptr) return "";
  std::string out = engine.profile().id + ": balances of " + std::string(party) + "\n";
  out += FormatLine("%-20s %-10s %14s %14s %14s %14s %16s\n", "SKU", "STATUS", "QUANTITY", "RESERVED",
             "FREE", "INCOMING", "VALUE CNY");
  for (const auto& [key, b] : PartyAccounts(engine, party)) {
    out += FormatLine("%-20s %-10s %14s %14s %14s %14s %16s\n", key->sku.c_str(), key->Name().c_str(),
               Quantity(b->quantity_milli).c_str(), Quantity(b->reserved_milli).c_str(),
               Quantity(FreeMilli(*key, *b)).c_str(),
               Quantity(b->incoming_milli).c_str(), FormatMoney(b->value_fen).c_str());
  }
  out += "\nLOTS (first in first out)\n";
  out += FormatLine("%6s %-20s %-10s %14s %14s %16s %-8s %s\n", "LOT", "SKU", "STATUS", "ON HAND",
             "RESERVED", "VALUE CNY", "ORIGIN", "CREATED BY");
  for (const Lot* lot : PartyLots(engine, party)) {
    out += FormatLine("%6llu %-20s %-10s %14s %14s %16s %-8s %s (%s, %s)\n",
               static_cast<unsigned long long>(lot->id), lot->spec.sku.c_str(),
               ledger::StatusName(lot->status), Quantity(lot->on_hand.quantity_milli).c_str(),
               Quantity(lot->reserved.quantity_milli).c_str(),
               FormatMoney(lot->on_hand.value_fen).c_str(),
               lot->spec.origin.empty() ? "-" : lot->spec.origin.c_str(), lot->created_by.c_str(),
               ledger::LotSourceName(lot->spec.source), FormatDate(lot->created_on).c_str());
  }
  return out;
}

std::string TraceJson(const Engine& engine, std::string_view declaration) {
  if (!KnownDocument(engine, declaration)) return "";
  std::string out;
  JsonWriter w(&out);
  WriteTrace(w, engine, declaration);
  out.push_back('\n');
  return out;
}

std::string TraceTable(const Engine& engine, std::string_view declaration) {
  if (!KnownDocument(engine, declaration)) return "";
  TraceResult trace = Trace(Goods(engine).ledger, declaration);
  std::string out = engine.profile().id + ": trace of " + std::string(declaration) + " (" +
                    DocumentKind(engine, declaration) + ")\n";
  out += FormatLine("%6s %-14s %-20s %-10s %12s %12s %-8s %-24s %-14s %s\n", "LOT", "PARTY", "SKU",
             "STATUS", "QUANTITY", "ON HAND", "ORIGIN", "CREATED BY", "SOURCE", "PARENTS");
  for (const Lot* lot : trace.lots) {
    std::string parents;
    for (const ledger::LotParent& parent : lot->spec.parents) {
      parents += (parents.empty() ? "" : ", ") + std::to_string(parent.lot) + " (" +
                 Quantity(parent.quantity_milli) + ")";
    }
    out += FormatLine("%6llu %-14s %-20s %-10s %12s %12s %-8s %-24s %-14s %s\n",
               static_cast<unsigned long long>(lot->id), lot->spec.party.c_str(),
               lot->spec.sku.c_str(), ledger::StatusName(lot->status),
               Quantity(lot->spec.amounts.quantity_milli).c_str(),
               Quantity(lot->on_hand.quantity_milli).c_str(),
               lot->spec.origin.empty() ? "-" : lot->spec.origin.c_str(), lot->created_by.c_str(),
               ledger::LotSourceName(lot->spec.source), parents.empty() ? "-" : parents.c_str());
  }
  out += "admissions:";
  for (const Lot* lot : trace.lots) {
    if (ledger::IsAdmission(lot->spec.source))
      out += " " + lot->created_by + " (lot " + std::to_string(lot->id) + ")";
  }
  out += trace.truncated ? "\n(truncated)\n" : "\n";
  return out;
}

}  // namespace twoline::engine

namespace twoline::engine {

namespace {

// The members of a declaration view before its trace; false for an unknown id.
bool WriteDocument(JsonWriter& w, const Engine& engine, std::string_view id) {
  const GoodsState& goods = engine.state().goods;
  const DeclarationRecord* declaration = goods.FindDeclaration(id);
  const ProcessRecord* process = goods.FindProcess(id);
  if (declaration == nullptr && process == nullptr) return false;
  int32_t offset = engine.profile().utc_offset_minutes;
  w.BeginObject().Key("zone").String(engine.profile().id);
  if (declaration != nullptr) {
    WriteDeclarationBody(w, *declaration, offset);
  } else {
    WriteProcessBody(w, *process, offset);
  }
  WritePendingAndPostings(w, goods.ledger, id);
  return true;
}

}  // namespace

std::string DeclarationJson(const Engine& engine, std::string_view id) {
  std::string out;
  JsonWriter w(&out);
  if (!WriteDocument(w, engine, id)) return "";
  w.Key("trace");
  WriteTrace(w, engine, id);
  w.EndObject();
  out.push_back('\n');
  return out;
}

std::string DocumentJson(const Engine& engine, std::string_view id) {
  std::string out;
  out.reserve(2048);  // the record day's documents: 1.3 KB on average, 3.2 KB at most
  JsonWriter w(&out);
  if (!WriteDocument(w, engine, id)) return "";
  w.Key("trace_start").BeginObject().Key("kind").String(DocumentKind(engine, id));
  WriteStart(w, StartLots(Goods(engine).ledger, id));
  w.EndObject().EndObject();
  return out;
}

std::string LotJson(const Engine& engine, uint64_t lot) {
  const Lot* found = Goods(engine).ledger.FindLot(lot);
  if (found == nullptr) return "";
  std::string out;
  JsonWriter w(&out);
  WriteLot(w, *found, true);
  return out;
}

std::string AdmissionJson(const Engine& engine, uint64_t lot) {
  const Lot* found = Goods(engine).ledger.FindLot(lot);
  if (found == nullptr || !ledger::IsAdmission(found->spec.source)) return "";
  std::string out;
  JsonWriter w(&out);
  WriteAdmission(w, *found);
  return out;
}

std::string DeclarationSummaryJson(const Engine& engine, std::string_view id) {
  const GoodsState& goods = engine.state().goods;
  const int32_t offset = engine.profile().utc_offset_minutes;
  std::string out;
  JsonWriter w(&out);
  if (const DeclarationRecord* d = goods.FindDeclaration(id)) {
    w.BeginObject().Key("id").String(GoodsState::DocumentName(d->id)).Key("kind").String(DeclarationKindName(d->kind));
    w.Key("declarant").String(d->declarant).Key("counterparty").String(d->counterparty);
    w.Key("state").String(DeclarationStateName(d->state));
    w.Key("outcome").String(OutcomeName(d->outcome));
    w.Key("declared_at").String(FormatRfc3339(d->declared_at, offset));
    w.Key("reasons").BeginArray();
    for (const Reason& reason : d->reasons) {
      w.BeginObject().Key("rule").String(reason.rule).Key("detail").String(reason.detail).EndObject();
    }
    w.EndArray().Key("hold_rules").BeginArray();
    for (const std::string& rule : d->hold_rules) w.String(rule);
    w.EndArray().Key("needs_measurements").Bool(d->needs_measurements);
    if (d->inspection_passed) w.Key("inspection").String(*d->inspection_passed ? "pass" : "fail");
    if (d->assessment) WriteAssessment(w, *d->assessment);
    w.EndObject();
    return out;
  }
  if (const ProcessRecord* p = goods.FindProcess(id)) {
    w.BeginObject().Key("id").String(GoodsState::DocumentName(p->id)).Key("kind").String("process");
    w.Key("declarant").String(p->declarant).Key("counterparty").String("");
    w.Key("state").String("posted").Key("outcome").String("accepted");
    w.Key("declared_at").String(FormatRfc3339(p->at, offset));
    w.Key("reasons").BeginArray().EndArray().Key("hold_rules").BeginArray().EndArray();
    w.Key("needs_measurements").Bool(false).EndObject();
    return out;
  }
  return "";
}

std::pair<std::string, std::string> DocumentParties(const Engine& engine, std::string_view id) {
  const GoodsState& goods = engine.state().goods;
  if (const DeclarationRecord* d = goods.FindDeclaration(id)) return {d->declarant, d->counterparty};
  if (const ProcessRecord* p = goods.FindProcess(id)) return {p->declarant, ""};
  return {};
}

}  // namespace twoline::engine
