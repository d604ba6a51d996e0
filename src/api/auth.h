// Authentication and authorization for the HTTP API: bearer tokens, roles, and the rules of who may
// do what (SPEC §6, docs/api.md "Roles").
//
// Tokens. A token is "twl_" followed by 64 hex digits (32 bytes from the OpenSSL CSPRNG). Only its
// SHA-256 is stored (store::TokenRecord), so a stolen database does not yield usable tokens; a
// request's token is hashed and looked up by hash. A token has a public id ("tok_" + 12 hex digits of
// its hash) for listing and revoking.
//
// Roles and scope:
//   admin      everything, every zone.
//   officer    bound to one zone: submits any command there and reads presence, balances,
//              declarations and reports of that zone (not the raw journal, which holds every
//              traveller's registration).
//   declarant  bound to one zone and one party: submits only declare / process (as declarant),
//              stocktake (of its party) and cancel (of its own declarations); reads only its party's
//              balance and its own declarations.
//   auditor    read-only: every read including the journal, of its zone or (unbound) of every zone.
// Every authenticated principal may list the zones (GET /v1/zones). /healthz, /metrics and
// /v1/openapi.json need no token.
//
// TokenCache keeps the token table in memory and re-reads it at most once per refresh interval, so a
// request costs one SHA-256 and a hash lookup, and `token revoke` takes effect within the interval.
// It fails closed: when a re-read fails, the table in memory is no longer trusted (it may hold a
// token revoked since) and every token is answered kUnavailable (HTTP 503) until a re-read succeeds;
// so no token outlives its revocation by more than the refresh interval, whatever the database does.
// Thread-safety: TokenCache is safe from any thread; the free functions are pure.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "engine/command.h"
#include "store/store.h"
#include "store/zone_set.h"

namespace twoline::api {

enum class Role { kOfficer, kDeclarant, kAuditor, kAdmin };
const char* RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct Principal {
  std::string token_id;
  Role role = Role::kAuditor;
  std::string zone;   // empty: every zone (admin, unbound auditor)
  std::string party;  // declarants
};

// Checks that a role's binding is complete and consistent: officers and declarants need a zone,
// declarants a party, and only declarants may have a party; admins are never bound to a zone.
Status ValidateTokenScope(Role role, const std::string& zone, const std::string& party);

struct NewToken {
  std::string secret;        // shown once, never stored
  store::TokenRecord record;  // what is stored
};
// Generates a token (fails only if the CSPRNG does). `created_at` is recorded as given.
Result<NewToken> GenerateToken(Role role, const std::string& zone, const std::string& party,
                               const std::string& created_at);
Hash256 TokenSecretHash(std::string_view secret);

enum class TokenCheck { kValid, kInvalid, kUnavailable };

class TokenCache {
 public:
  TokenCache(store::Store& store, std::chrono::milliseconds refresh_interval);
  // Checks an "Authorization: Bearer <token>" header value: kValid (and `*principal`, `*hash` set),
  // kInvalid for a malformed, unknown or revoked token, kUnavailable when the token table cannot be
  // read. `hash` may be null.
  TokenCheck Authenticate(std::string_view authorization, Principal* principal, Hash256* hash = nullptr);
  // Checks a token by the hash of its secret (a browser session remembers only that).
  TokenCheck AuthenticateHash(const Hash256& hash, Principal* principal);
  // Checks a bare token secret ("twl_…").
  TokenCheck AuthenticateSecret(std::string_view secret, Principal* principal, Hash256* hash);
  // The next check re-reads the table (after a token was created or revoked through the API).
  void Invalidate();
  uint64_t reload_failures() const { return reload_failures_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct HashKey {
    size_t operator()(const Hash256& hash) const;
  };
  using Table = std::unordered_map<Hash256, Principal, HashKey>;
  std::shared_ptr<const Table> Current();

  store::Store& store_;
  const std::chrono::milliseconds refresh_interval_;
  std::mutex mutex_;
  std::shared_ptr<const Table> table_;
  Clock::time_point loaded_at_{};
  bool stale_ = false;  // the last re-read failed
  Clock::time_point retry_at_{};
  std::atomic<uint64_t> reload_failures_{0};
};

// What a request wants to read.
// kStream: the live decisions of a zone (officers, auditors and admins; never declarants).
// kTreeHead: a zone's signed checkpoint or a consistency proof between two of its tree sizes
//   (auditors, admins and declarants, who need them to check their own entries' proofs; they show
//   sizes and hashes only; never officers).
// kInclusionProof: an entry's inclusion proof, which holds the entry (auditors and admins; a
//   declarant only for the entries of its own commands; never officers).
enum class ReadKind {
  kZones,
  kPresence,
  kBalance,
  kDeclaration,
  kJournal,
  kReport,
  kStream,
  kTreeHead,
  kInclusionProof
};

// Route-level rules. `zone` is the zone of the URL (empty for kZones); `party` is the party whose
// data is read (kBalance: the URL's party; kDeclaration: the declaration's declarant;
// kInclusionProof: the declarant party that submitted the entry's command, "" when none did).
Status AllowRead(const Principal& principal, ReadKind kind, const std::string& zone,
                 const std::string& party);
// True iff the command of a journal entry (its canonical JSON) carries the server's stamp of a
// declarant of `party`: "received": {"role": "declarant", "party": <party>, …}, which the HTTP
// server adds to every command it receives. Commands without it (a CLI run, or stamped for another
// role) are no declarant's. A `party` that is empty, or JSON that does not parse, is never a match.
bool EntrySubmittedByParty(std::string_view entry_command_json, std::string_view party);

// May the principal submit commands to `zone` at all? (The per-command rules come next.)
Status AllowSubmit(const Principal& principal, const std::string& zone);
// Per-command rules for declarants: a declarant declares, processes and takes stock for its own
// party only, and may cancel (its own declarations: the engine finds no other). Other roles: always
// Ok.
Status AuthorizeCommand(const Principal& principal, const engine::Command& command);

}  // namespace twoline::api
