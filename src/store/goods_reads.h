// Goods reads assembled from the read models (read_models.h lists the rows): a declaration with its
// decision, postings and trace; a trace alone; the flows report; and a party's balance. Each is one
// consistent read of committed rows (Store::ReadViews), never of the engine, so that the HTTP API
// answers them on its worker threads while the writer decides and commits, and the CLI answers them
// from a database without replaying it.
//
// Who reads. With `party` empty the answer is what the zone sees (officers, auditors, admins, the
// CLI): byte for byte what engine::DeclarationJson, TraceJson and ReportJson answer over the same
// state (the conformance tests check it). A party (a declarant) sees its own documents only, and in
// them only what it is entitled to know (docs/security.md, "Need to know"):
//   - a trace lists the party's own lots only ("start", "lots", "admissions"), with their live
//     amounts; upstream of a lot the party received by transfer it shows nothing but that lot
//     itself, i.e. what the transfer declared of it (sku, quantity, origin, production date) and
//     what the party holds of it now: its "parents" (the sender's lots) are dropped and its
//     "created_by" (the sender's declaration id) is empty;
//   - postings name another party's lot as lot 0, as they name an outside account;
//   - a balance lists the party's lots with the same "created_by" rule (BalanceForParty).
// Another party's document is "not found", as an unknown one is, so that ids cannot be probed.
//
// Costs: a declaration or trace read costs the lots its trace reaches (at most
// engine::kTraceLotsMax, then "truncated"), read one generation at a time; a report costs the days
// in its range plus what is open, refused or counted now. Nothing here runs on the writer thread.
// Thread-safety: the functions are safe from any thread (as the Store is).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "store/store.h"

namespace twoline::store {

// The declaration view (engine::DeclarationJson's form, with a trailing newline) of the document
// `id` names (an id, or ID@PARTY: engine::GoodsState, document names), as `party` (a declarant; ""
// for an officer) may see it; nullopt when there is no such document, or it is not `party`'s, and
// when an officer's id is used by several parties (then *ambiguous says so).
Result<std::optional<std::string>> ReadDeclaration(Store& store, const std::string& zone,
                                                   const std::string& id, const std::string& party,
                                                   std::string* ambiguous = nullptr);
// The trace of a declaration or process (engine::TraceJson's form); nullopt as above.
Result<std::optional<std::string>> ReadTrace(Store& store, const std::string& zone,
                                             const std::string& id, const std::string& party,
                                             std::string* ambiguous = nullptr);
// The flows report for local dates [from, to] (engine::ReportJson's form).
Result<std::string> ReadFlowsReport(Store& store, const std::string& zone, Date from, Date to);
// The balance of `of` (engine::BalanceJson's form, with a trailing newline), assembled from its
// "balance" row and its live lots' "balance_lot" rows in one consistent read; nullopt when the
// party is unknown. It costs the party's live lots, read kReadRowsMax at a time.
Result<std::optional<std::string>> ReadBalance(Store& store, const std::string& zone,
                                               const std::string& of);
// A balance's JSON (engine::BalanceJson's form) as `party` may see it.
Result<std::string> BalanceForParty(std::string_view json, const std::string& party);

}  // namespace twoline::store
