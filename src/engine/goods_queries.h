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
#include <string>
#include <string_view>

#include "engine/engine.h"

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
// Dates are local calendar dates, both ends inclusive. `held`, `refused`, `open` and
// `assessed_open` describe the zone now (they are not limited to the range); flows, movements,
// collections, exemptions and stocktakes are those dated within it. Duty and VAT count as collected
// when the goods are released.
std::string ReportJson(const Engine& engine, Date from, Date to);
std::string ReportTable(const Engine& engine, Date from, Date to);

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

// One line of a declarations list (the "declaration" read model): {"id","kind","declarant",
// "counterparty","state","outcome","declared_at","reasons","hold_rules","needs_measurements",
// "assessment"?}; a process is listed with kind "process" and state "posted". "" when unknown.
std::string DeclarationSummaryJson(const Engine& engine, std::string_view id);
// The parties a document concerns: its declarant and counterparty ("" when none or unknown).
std::pair<std::string, std::string> DocumentParties(const Engine& engine, std::string_view id);

}  // namespace twoline::engine
