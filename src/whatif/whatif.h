// What-if replay: the recorded commands of a period decided again under a draft profile, and every
// decision that would change (docs/whatif.md).
//
// Two engines advance side by side through the period, both starting from the state the zone really
// had when the period began (the newest usable snapshot before it plus the entries after it):
//
// - the recorded engine replays the period's entries through journal::Chain::Replay — hash chain
//   and re-decision checked — so the comparison is made against decisions this binary reproduces;
// - the draft engine has the draft put in force, decides every recorded command itself and applies
//   its own decision, so its state diverges exactly as the zone's would have under the draft (a
//   command the draft rejects changes nothing; one the draft finds invalid, for instance naming a
//   list the draft drops, is not applied).
//
// The draft replaces the profile in force for the whole period: a profile entry inside the period
// changes the recorded engine only, and is listed in the report (`profile_entries_replaced`).
// The period starts at the first command entry whose local date (at the offset of the profile in
// force) is on or after `from`, and ends with the last command entry before the first later command
// dated after `to`: a contiguous run of entries, because commands are applied in submission order,
// not sorted by time (SPEC §3).
//
// The engines run on two threads (the recorded one on a worker); nothing is written anywhere.
// Thread-safety: each call owns what it creates; the Store must allow concurrent reads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "store/store.h"

namespace twoline::whatif {

// The most changed commands a report lists with both decisions (the counts and tax totals always
// cover all of them).
inline constexpr size_t kChangesListedMax = 10000;

struct Request {
  std::string zone;
  // The draft profile's TOML text and a name for its messages ("draft.toml" gives
  // "draft.toml:12: ..."). `draft_tariff`: the tariff CSV text; nullopt for a draft that comes
  // without files (HTTP), which uses the tariff of the profile in force at the period's start when
  // it names a tariff_file.
  std::string draft_text;
  std::optional<std::string> draft_tariff;
  std::string draft_name = "draft.toml";
  std::optional<Date> from;  // zone-local dates, inclusive
  std::optional<Date> to;
  size_t changes_listed_max = kChangesListedMax;
};

// Assessed amounts, in fen.
struct Taxes {
  int64_t customs_duty_fen = 0;
  int64_t import_vat_fen = 0;
  int64_t personal_articles_tax_fen = 0;
};

// An outcome with its deciding rules in precedence order: "rejected goods.banned-origin".
struct Verdict {
  std::string outcome;
  std::vector<std::string> rules;
  auto operator<=>(const Verdict&) const = default;
};

struct Change {
  uint64_t seq = 0;
  std::string command;   // canonical JSON
  std::string recorded;  // the recorded decision's canonical JSON
  std::string draft;     // the draft's decision (an invalid one as the API would answer it)
};

struct Report {
  std::string zone;
  std::string draft_sha256;
  std::optional<Date> from, to;
  uint64_t first_seq = 0;  // 0: no command in the period
  uint64_t last_seq = 0;
  uint64_t commands = 0;  // command entries decided again
  uint64_t changed = 0;   // of which the draft decides differently (any byte of the decision)
  std::vector<uint64_t> profile_entries_replaced;
  // (recorded verdict, draft verdict) -> how many changed decisions went that way.
  std::map<std::pair<Verdict, Verdict>, uint64_t> transitions;
  Taxes recorded, draft;        // over every command of the period
  std::vector<Change> changes;  // the first changes_listed_max changed commands, in seq order
};

// Runs the what-if. Errors name what is wrong: an unknown zone, a draft that does not load
// (file:line messages) or is for another zone, from after to, a journal that does not replay.
Result<Report> Run(store::Store& store, const Request& request);

// The report as JSON (docs/whatif.md) and as a table for people.
std::string ReportJson(const Report& report);
std::string ReportTable(const Report& report);

// The HTTP form (POST /v1/zones/{zone}/whatif): the draft's TOML text, optional dates
// "YYYY-MM-DD" (empty: open), the report as JSON.
Result<std::string> WhatIfJson(store::Store& store, const std::string& zone,
                               const std::string& profile_text, const std::string& from,
                               const std::string& to);

}  // namespace twoline::whatif
