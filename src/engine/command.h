// Command: one parsed, validated input of SPEC §2 (envelope plus a typed body).
//
// A Command exists only when its JSON was well formed, every field known and of the right type,
// every code valid (ISO 3166, ISO 4217, HS), every amount exact. Whether the things it names exist
// (person, gate, party) is for the engine to decide. `canonical` is the command's canonical JSON
// (sorted keys, no whitespace): it is what the journal stores and what idempotency compares.
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/sha256.h"
#include "base/time.h"
#include "policy/profile.h"

namespace twoline::engine {

enum class CommandType : uint8_t {
  kRegisterParty,
  kRegisterPerson,
  kRegisterItem,
  kList,
  kCross,
  kDeclare,
  kProcess,
  kRelease,
  kInspect,
  kCancel,
  kStocktake,
};
const char* CommandTypeName(CommandType type);

// Limits on input size (STYLE: a limit on everything).
struct Limits {
  size_t command_bytes_max = 64 * 1024;
  size_t string_bytes_max = 256;  // names, descriptions, details
  size_t documents_max = 16;
  size_t lists_max = 16;
  size_t declaration_lines_max = 1000;
  size_t carried_max = 100;
  size_t list_changes_max = 10000;
  size_t release_declarations_max = 1000;
  size_t measurements_max = 16;
};

enum class PartyKind : uint8_t { kEnterprise, kResearchInstitution, kPublicBody, kLogistics };
enum class DeclarationKind : uint8_t {
  kFirstLineIn,
  kFirstLineOut,
  kSecondLineIn,
  kSecondLineOut,
  kTransfer,
  kConsume,
  kScrap,
};
const char* PartyKindName(PartyKind kind);
const char* DeclarationKindName(DeclarationKind kind);

struct Document {
  std::string type;
  std::string number;
  Date valid_from = 0;
  Date valid_until = 0;  // last valid day, inclusive
};

struct PartyBody {
  std::string id, name;
  PartyKind kind = PartyKind::kEnterprise;
  policy::Credit credit = policy::Credit::kGeneral;
  std::vector<std::string> lists;
};

struct PersonBody {
  std::string id, name, nationality, resident_of, affiliation;
  Date birth_date = 0;
  std::vector<Document> documents;
  std::vector<std::string> lists;
};

struct ItemBody {
  std::string sku, hs_code, description, unit;
  std::vector<std::string> tags;
};

struct ListBody {
  std::string list;
  std::vector<std::string> add, remove;
};

struct CarriedGoods {
  std::string sku;
  int64_t quantity_milli = 0;
  int64_t value_cents = 0;  // in `currency`'s minor unit (two decimals)
  std::string currency;
};

struct CrossBody {
  std::string person, gate;
  policy::Direction direction = policy::Direction::kIn;
  std::vector<CarriedGoods> carried;
};

struct DeclarationLine {
  std::string sku;
  int64_t quantity_milli = 0;
  int64_t value_cents = 0;
  std::string currency;
  std::string origin;
  std::optional<Date> produced_on;
  std::vector<std::string> certificates;
};

struct DeclareBody {
  std::string id;
  DeclarationKind kind = DeclarationKind::kFirstLineIn;
  std::string declarant, counterparty, purpose;
  std::vector<DeclarationLine> lines;
};

struct SkuQuantity {
  std::string sku;
  int64_t quantity_milli = 0;
};

struct ProcessBody {
  std::string id, declarant;
  std::vector<SkuQuantity> inputs, outputs;
};

struct ReleaseBody {
  std::string gate, vehicle;
  std::vector<std::string> declarations;
};

struct Measurement {
  std::string nuclide;
  int64_t milli_bq_per_kg = 0;
};

struct InspectBody {
  std::string declaration;
  std::optional<bool> pass;  // result: pass|fail
  std::vector<Measurement> measurements;
};

struct CancelBody {
  std::string declaration;
};

struct StocktakeBody {
  std::string party;
  std::vector<SkuQuantity> counts;
};

using CommandBody = std::variant<PartyBody, PersonBody, ItemBody, ListBody, CrossBody, DeclareBody,
                                 ProcessBody, ReleaseBody, InspectBody, CancelBody, StocktakeBody>;

// The server's stamp on a command submitted over HTTP (SPEC §2): who submitted it and when the
// server received it. It is part of the journaled command, so replay needs nothing else. A client
// never sends it (the HTTP layer refuses a body that does); `run` imports carry none.
struct Received {
  std::string at_text;  // the server's time of receipt, RFC 3339
  Instant at;
  std::string role;       // "declarant" | "officer" | "admin"
  std::string token;      // the submitting token's public id ("tok_...")
  std::string party;      // declarants: the party the token is bound to
  std::string nonce;      // 32 hex digits from the server's CSPRNG: part of the sampling draw
  std::string client_at;  // the client's `at` when the server decided the command at its own time
};

struct Command {
  std::string id;
  std::string zone;
  std::string at_text;
  Instant at;
  CommandType type = CommandType::kCross;
  CommandBody body;
  std::string canonical;  // canonical JSON of the whole command
  std::optional<Received> received;
  // What idempotency compares: the command as its client sent it (canonical JSON without the
  // stamp, with the client's own `at`). Empty when the command carries no stamp: then `canonical`.
  std::string client_canonical;
  // The idempotency digests (engine/flat_index.h, DecidedIds) of `id` in its scope and of
  // IdempotencyBody(), taken by ParseCommand and StampCommand, the two places that set what they
  // are taken from: on the parsing thread, so that the deciding thread, which every command waits
  // for, does not hash them again. A command built otherwise has none and the engine takes them.
  // Whoever changes `id`, `received`, `canonical` or `client_canonical` after parsing clears
  // `has_digests` (debug builds check the cached ones against the fields).
  uint8_t id_digest[16] = {};
  uint64_t body_digest = 0;
  bool has_digests = false;

  // The scope of the command's id (SPEC §2, `id`): a declarant's party, or "" for the zone's
  // officers and admins together (and imports).
  std::string_view IdScope() const {
    return received && received->role == "declarant" ? std::string_view(received->party)
                                                      : std::string_view();
  }
  const std::string& IdempotencyBody() const {
    return client_canonical.empty() ? canonical : client_canonical;
  }
  // Takes the digests above from the fields as they are now.
  void TakeDigests();
};

// Stamps a parsed client command (which must carry no stamp) in place: `at` replaced by `at_text`
// when it is not empty, `received` set, `canonical` the stamped command's canonical JSON — exactly
// what ParseCommand gives for it on replay — and `client_canonical` the client's. Fails only on a
// malformed time.
bool StampCommand(Command* command, Received stamp, const std::string& at_text, std::string* error);

// What ParseCommand reports for malformed input: a message with the JSON path of the fault
// ("$.person.documents[0].valid_until: ...") and, when it could be read, the command id.
struct ParseFailure {
  std::string id;
  std::string path;
  std::string message;
  bool over_limit = false;  // a size limit (engine::Limits) was exceeded, not a malformed value
};

// Parses and validates one command from JSON text. On failure returns false and fills `failure`.
bool ParseCommand(std::string_view json, const Limits& limits, Command* command,
                  ParseFailure* failure);

}  // namespace twoline::engine
