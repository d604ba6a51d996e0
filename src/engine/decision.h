// Decision: the engine's answer to one command (SPEC §3).
//
// A decision is a value: outcome, the reasons (stable rule ids, in precedence order), an optional
// assessment, and extra facts (inspection result, export-refund eligibility, sampling). Its
// canonical JSON — without seq and hash, which the journal adds — is what the journal stores and
// hashes, so the same decision always encodes to the same bytes.
// Thread-safety: a value type.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/sha256.h"

namespace twoline::engine {

enum class Outcome : uint8_t { kAccepted, kRejected, kHeld, kReferred, kInvalid };
const char* OutcomeName(Outcome outcome);

struct Reason {
  std::string rule;
  std::string detail;
};

struct Assessment {
  int64_t customs_duty_fen = 0;
  int64_t import_vat_fen = 0;
  int64_t personal_articles_tax_fen = 0;
  int64_t exempted_fen = 0;  // duty and VAT not collected because an exemption applied
  int64_t total_fen() const { return customs_duty_fen + import_vat_fen + personal_articles_tax_fen; }
};

// Effects a goods decision carries from Decide to Apply (defined in the goods module).
struct GoodsPlan;

struct Decision {
  std::string id;
  Outcome outcome = Outcome::kAccepted;
  std::vector<Reason> reasons;
  std::optional<Assessment> assessment;
  // Extra decision fields, key → raw JSON value, written sorted by key after the standard ones.
  std::vector<std::pair<std::string, std::string>> extras;

  // Set when the id was already decided with the same body: the original entry's seq. The caller
  // answers with the original decision and journals nothing.
  uint64_t duplicate_of = 0;

  // Not serialised: the command id's digest computed by Decide, reused by Apply.
  std::array<uint8_t, 16> id_digest{};
  bool has_id_digest = false;

  // Not serialised: what Apply executes for goods commands.
  std::shared_ptr<const GoodsPlan> plan;

  void Add(std::string rule, std::string detail) {
    reasons.push_back({std::move(rule), std::move(detail)});
  }
  void SetExtra(std::string key, std::string raw_json);
};

// {"assessment":{...}?,"id":...,"outcome":...,"reasons":[...],<extras>} — canonical, no seq/hash.
std::string CanonicalDecisionJson(const Decision& decision);
// The wire form: canonical JSON with "seq" and "hash" added before the closing brace.
std::string WireDecisionJson(std::string_view canonical, uint64_t seq, const Hash256& hash);
// An invalid decision's wire form (never journaled: no seq, no hash).
std::string InvalidDecisionJson(std::string_view id, std::string_view rule, std::string_view detail);

}  // namespace twoline::engine
