// Goods read models over an engine's state (SPEC §5 `twoline query balance|trace|report`, §6 HTTP
// API): balances and lots of a party, the trace of a declaration back to the admissions its goods
// came from, the zone report over a date range, and one declaration with its decision, postings and
// trace. JSON by default (compact, keys in a fixed order, amounts as decimal strings: quantities
// without trailing zeros, money in CNY with two decimals); the *Table forms are for people.
//
// Unknown things: BalanceJson/BalanceTable of an unknown party, TraceJson/TraceTable and
// DeclarationJson of an id that is neither a declaration nor a process, return "" (the caller turns
// that into a 404 or an error message). ReportJson always answers (an empty report is a report).
// Thread-safety: read-only over the engine's state; call on the writer thread or on a snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/goods_state.h"

namespace twoline::engine {

// A trace stops after this many lots and says "truncated": true.
inline constexpr size_t kTraceLotsMax = 100'000;

// {"zone","party","balances":[{"sku","status","quantity","value","reserved","free","incoming"}],
//  "lots":[{"lot","party","sku","status","quantity","on_hand","reserved","value","imported_input",
//           "mainland_input","origin","produced_on"?,"created_by","source","created_on"}]}
// Balances: every internal account of the party with anything on it, sorted by sku then status.
// Lots: the party's live lots, sorted by sku then lot id (first in first).
std::string BalanceJson(const Engine& engine, std::string_view party);
std::string BalanceTable(const Engine& engine, std::string_view party);
// The two parts a stored balance is kept in, so that a command touching a party with thousands of
// live lots rewrites the lots it touched, not all of them (store/read_models.h): the balance
// without its lots ({"zone","party","balances":[...]}; "" for an unknown party), and one live lot
// as BalanceJson lists it. BalanceOfParts joins them again: BalanceOfParts(BalanceSummaryJson(e,
// p), [BalanceLotJson of each live lot of p, sorted by sku then id]) == BalanceJson(e, p).
std::string BalanceSummaryJson(const Engine& engine, std::string_view party);
std::string BalanceLotJson(const ledger::Lot& lot);
std::string BalanceOfParts(std::string_view summary, const std::vector<std::string_view>& lots);

// {"zone","document","kind","start":[lot ids],"lots":[{"lot","party","sku","status","quantity",
//  "on_hand","reserved","value","imported_input","mainland_input","origin","produced_on"?,
//  "created_by","source","created_on","parents":[{"lot","quantity"}]}],
//  "admissions":[{"lot","declaration","source","party","sku","origin","quantity","created_on"}],
//  "truncated"}
// `start` are the lots the document created, took from or has reserved; `lots` is every lot reached
// by following parents from them, sorted by id; `admissions` are the roots (first line in, second
// line in, stocktake overage). A lot's "quantity" is what it was created with; "on_hand",
// "reserved" and the values are what it holds now. Works for declarations and processes.
std::string TraceJson(const Engine& engine, std::string_view declaration);
std::string TraceTable(const Engine& engine, std::string_view declaration);

// {"zone","from","to",
//  "flows":[{"date","line","direction","declarations","lines","value"}],       released in range
//  "movements":[{"date","kind","documents"}],          transfers, consumption, scrap, processing
//  "collected":{"currency":"CNY","customs_duty","import_vat","total","declarations"},  released
//  "assessed_open":{...same keys...},        assessed on declarations not yet released (now)
//  "exempted":"…",         duty and VAT not levied on goods released in range (tax-free, 30% rule)
//  "held":[{"declaration","kind","declarant","since","rules":[..],"lines":[{"sku","quantity"}]}],
//  "refused":[{"party","sku","quantity"}],
//  "stocktakes":[{"date","party","command","sku","book","counted","difference","value"}],
//  "open":[{"declaration","kind","declarant","state","declared_on"}]}
// Stocktakes are listed by date, then in the order they were taken.
// Dates are local calendar dates, both ends inclusive. `held`, `refused`, `open` and
// `assessed_open` describe the zone now (they are not limited to the range); flows, movements,
// collections, exemptions and stocktakes are those dated within it. Duty and VAT count as collected
// when the goods are released.
std::string ReportJson(const Engine& engine, Date from, Date to);
std::string ReportTable(const Engine& engine, Date from, Date to);

// The report in parts, one record at a time, each written exactly as ReportJson writes it: the read
// models keep the parts per record and per day (store/read_models.h) and ReportPartsJson assembles
// them into the same answer, so that neither needs the whole state.
struct ReportTotals {
  int64_t declarations = 0, lines = 0, value_fen = 0;  // "flows"
  int64_t customs_duty_fen = 0, import_vat_fen = 0, taxed_declarations = 0;  // "collected"
  int64_t exempted_fen = 0;
  ReportTotals& operator+=(const ReportTotals& other);
};
struct ReportFlow {  // one (date, line, direction) of "flows", with what was collected
  Date date = 0;
  std::string line, direction;
  ReportTotals totals;
};
struct ReportMovement {  // one (date, kind) of "movements"
  Date date = 0;
  std::string kind;
  int64_t documents = 0;
};
struct ReportParts {
  std::string zone;
  Date from = 0, to = 0;
  std::vector<ReportFlow> flows;           // in range, by (date, line, direction)
  std::vector<ReportMovement> movements;   // in range, by (date, kind)
  ReportTotals open_assessed;              // "assessed_open": duty and VAT fields only
  // Entries as ReportHeldJson, ReportRefusedJson, ReportStocktakeJson and ReportOpenJson write
  // them, in the report's order.
  std::vector<std::string> held, refused, stocktakes, open;
};
std::string ReportPartsJson(const ReportParts& parts);

// A declaration's parts: its flow once released, its movement once posted without a gate (a
// transfer, consumption or scrapping), its assessment while open (held or accepted; zero unless
// taxed), and its entries in "held" and "open". A process is a movement on its date.
std::optional<ReportFlow> ReleasedFlowOf(const DeclarationRecord& d);
std::optional<ReportMovement> MovementOf(const DeclarationRecord& d);
ReportMovement MovementOf(const ProcessRecord& p);
bool IsOpen(const DeclarationRecord& d);
ReportTotals AssessedOf(const DeclarationRecord& d);
std::string ReportHeldJson(const DeclarationRecord& d, int32_t utc_offset_minutes);
std::string ReportOpenJson(const DeclarationRecord& d);
// A party's refused goods of one sku, and one counted line of a stocktake that differed.
std::string ReportRefusedJson(std::string_view party, std::string_view sku, int64_t quantity_milli);
std::string ReportStocktakeJson(const StocktakeRecord& stocktake, const StocktakeLine& line);

// {"zone","declaration":{"id","kind","declarant","counterparty","purpose","state","declared_at",
//  "released_gate"?,"released_on"?,"hold_rules","inspection"?,"export_refund","lines":[{"sku",
//  "hs_code","quantity","value","currency","value_cny","origin","produced_on"?,"certificates",
//  "status"?,"customs_duty","import_vat","exempted"}]} |
//  "process":{"id","declarant","command","at","output_status","inputs","outputs"},
//  "decision":{"command","outcome","reasons","assessment"?},"events":[{"command","at","what",
//  "detail"}],                                                          (declarations only)
//  "pending":{"reserved":[{"lot","quantity","value"}],"incoming":[{"sku","status","quantity",
//  "value"}]}|null,"postings":[{"id","date","from":{"party","sku","account"},"to":{..},
//  "from_lot","to_lot","quantity","value"}],"trace":{...TraceJson...}}
std::string DeclarationJson(const Engine& engine, std::string_view id);

// The parts a declaration view is assembled from when it is read from read models
// (store/read_models.h): DocumentJson is DeclarationJson without its "trace", ending instead in
// "trace_start":{"kind","start":[lot ids]} (what TraceJson would write for "kind" and "start"),
// with no trailing newline; "" for an unknown id. LotJson is one lot as a trace's "lots" lists it
// (with its parents), AdmissionJson as its "admissions" does ("" unless the lot is an admission);
// both "" for an unknown lot.
std::string DocumentJson(const Engine& engine, std::string_view id);
std::string LotJson(const Engine& engine, uint64_t lot);
std::string AdmissionJson(const Engine& engine, uint64_t lot);

// One line of a declarations list (the "declaration" read model): {"id","kind","declarant",
// "counterparty","state","outcome","declared_at","reasons","hold_rules","needs_measurements",
// "assessment"?}; a process is listed with kind "process" and state "posted". "" when unknown.
std::string DeclarationSummaryJson(const Engine& engine, std::string_view id);
// The parties a document concerns: its declarant and counterparty ("" when none or unknown).
std::pair<std::string, std::string> DocumentParties(const Engine& engine, std::string_view id);

}  // namespace twoline::engine
