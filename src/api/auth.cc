#include "api/auth.h"

#include <simdjson.h>

#include <openssl/rand.h>

#include <cstring>
#include <variant>

#include "base/codes.h"
#include "http/message.h"

namespace twoline::api {
namespace {

constexpr std::string_view kTokenPrefix = "twl_";
constexpr size_t kTokenSecretBytes = 32;

Status Forbidden(std::string message) { return Error{std::move(message)}; }

// The zone binding of a principal allows `zone`.
bool ZoneAllowed(const Principal& principal, const std::string& zone) {
  return principal.zone.empty() || principal.zone == zone;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kOfficer:
      return "officer";
    case Role::kDeclarant:
      return "declarant";
    case Role::kAuditor:
      return "auditor";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kOfficer, Role::kDeclarant, Role::kAuditor, Role::kAdmin}) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

Status ValidateTokenScope(Role role, const std::string& zone, const std::string& party) {
  if (!zone.empty() && !IsValidId(zone)) return Error{"--zone is not a valid zone id"};
  if (!party.empty() && !IsValidId(party)) return Error{"--party is not a valid party id"};
  switch (role) {
    case Role::kOfficer:
      if (zone.empty()) return Error{"an officer token needs --zone"};
      if (!party.empty()) return Error{"only declarant tokens are bound to a party"};
      return Status::Ok();
    case Role::kDeclarant:
      if (zone.empty() || party.empty()) return Error{"a declarant token needs --zone and --party"};
      return Status::Ok();
    case Role::kAuditor:
      if (!party.empty()) return Error{"only declarant tokens are bound to a party"};
      return Status::Ok();
    case Role::kAdmin:
      if (!zone.empty() || !party.empty()) return Error{"an admin token is bound to no zone or party"};
      return Status::Ok();
  }
  return Error{"unknown role"};
}

Hash256 TokenSecretHash(std::string_view secret) { return Sha256(secret); }

Result<NewToken> GenerateToken(Role role, const std::string& zone, const std::string& party,
                               const std::string& created_at) {
  if (Status status = ValidateTokenScope(role, zone, party); !status) return Error{status.message()};
  Hash256 random{};
  static_assert(sizeof(random) == kTokenSecretBytes);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Error{"the random number generator failed"};
  }
  NewToken token;
  token.secret = std::string(kTokenPrefix) + ToHex(random);
  token.record.secret_hash = TokenSecretHash(token.secret);
  token.record.id = "tok_" + ToHex(token.record.secret_hash).substr(0, 12);
  token.record.role = RoleName(role);
  token.record.zone = zone;
  token.record.party = party;
  token.record.created_at = created_at;
  return token;
}

size_t TokenCache::HashKey::operator()(const Hash256& hash) const {
  size_t value;
  std::memcpy(&value, hash.data(), sizeof value);  // already uniformly distributed
  return value;
}

TokenCache::TokenCache(store::Store& store, std::chrono::milliseconds refresh_interval)
    : store_(store), refresh_interval_(refresh_interval) {}

// Null when the table cannot be trusted: it was never read, or its re-read failed.
std::shared_ptr<const TokenCache::Table> TokenCache::Current() {
  std::lock_guard<std::mutex> lock(mutex_);
  Clock::time_point now = Clock::now();
  if (table_ && !stale_ && now - loaded_at_ < refresh_interval_) return table_;
  // After a failure, re-read at most every 50 ms rather than once per request.
  if (stale_ && now < retry_at_) return nullptr;
  auto tokens = store_.ListTokens();
  if (!tokens) {
    stale_ = true;
    retry_at_ = now + std::chrono::milliseconds(50);
    reload_failures_.fetch_add(1);
    return nullptr;
  }
  auto table = std::make_shared<Table>();
  for (const store::TokenRecord& token : *tokens) {
    std::optional<Role> role = ParseRole(token.role);
    if (!token.revoked_at.empty() || !role) continue;
    table->emplace(token.secret_hash, Principal{token.id, *role, token.zone, token.party});
  }
  table_ = std::move(table);
  loaded_at_ = now;
  stale_ = false;
  return table_;
}

void TokenCache::Invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  loaded_at_ = Clock::time_point{};
  table_.reset();
}

TokenCheck TokenCache::AuthenticateHash(const Hash256& hash, Principal* principal) {
  std::shared_ptr<const Table> table = Current();
  if (table == nullptr) return TokenCheck::kUnavailable;
  auto it = table->find(hash);
  if (it == table->end()) return TokenCheck::kInvalid;
  *principal = it->second;
  return TokenCheck::kValid;
}

TokenCheck TokenCache::AuthenticateSecret(std::string_view secret, Principal* principal, Hash256* hash) {
  if (secret.size() != kTokenPrefix.size() + 2 * kTokenSecretBytes ||
      secret.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return TokenCheck::kInvalid;
  }
  Hash256 digest = TokenSecretHash(secret);
  if (hash != nullptr) *hash = digest;
  return AuthenticateHash(digest, principal);
}

TokenCheck TokenCache::Authenticate(std::string_view authorization, Principal* principal, Hash256* hash) {
  // The scheme is case-insensitive (RFC 9110 §11.1): "Bearer", "bearer", "BEARER".
  constexpr std::string_view kBearer = "Bearer ";
  if (!http::EqualsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer)) return TokenCheck::kInvalid;
  return AuthenticateSecret(authorization.substr(kBearer.size()), principal, hash);
}

Status AllowRead(const Principal& principal, ReadKind kind, const std::string& zone,
                 const std::string& party) {
  if (kind == ReadKind::kZones || principal.role == Role::kAdmin) return Status::Ok();
  if (!ZoneAllowed(principal, zone)) {
    return Forbidden(std::string("this token is for zone ") + principal.zone);
  }
  const bool proof = kind == ReadKind::kTreeHead || kind == ReadKind::kInclusionProof;
  switch (principal.role) {
    case Role::kAuditor:
      return Status::Ok();
    case Role::kOfficer:
      if (kind == ReadKind::kJournal) return Forbidden("the journal is for auditors and admins");
      if (proof) return Forbidden("checkpoints and proofs are for auditors, admins and declarants");
      return Status::Ok();
    case Role::kDeclarant:
      if (kind == ReadKind::kBalance || kind == ReadKind::kDeclaration) {
        if (party == principal.party) return Status::Ok();
        return Forbidden("a declarant reads only its own party's ledger and declarations");
      }
      if (kind == ReadKind::kTreeHead) return Status::Ok();
      if (kind == ReadKind::kInclusionProof) {
        if (!party.empty() && party == principal.party) return Status::Ok();
        return Forbidden("a declarant may get the inclusion proof of its own commands' entries only");
      }
      return Forbidden("a declarant reads only its own balance and declarations");
    case Role::kAdmin:
      return Status::Ok();
  }
  return Forbidden("unknown role");
}

bool EntrySubmittedByParty(std::string_view entry_command_json, std::string_view party) {
  if (party.empty()) return false;
  simdjson::dom::parser parser;
  simdjson::dom::object received;
  std::string_view role, submitter;
  if (parser.parse(entry_command_json.data(), entry_command_json.size())["received"].get(received) ||
      received["role"].get(role) || received["party"].get(submitter)) {
    return false;
  }
  return role == "declarant" && submitter == party;
}

Status AllowSubmit(const Principal& principal, const std::string& zone) {
  if (principal.role == Role::kAuditor) return Forbidden("an auditor token is read-only");
  if (!ZoneAllowed(principal, zone)) {
    return Forbidden(std::string("this token is for zone ") + principal.zone);
  }
  return Status::Ok();
}

Status AuthorizeCommand(const Principal& principal, const engine::Command& command) {
  if (principal.role != Role::kDeclarant) return Status::Ok();
  const std::string& party = principal.party;
  auto own = [&](const std::string& declarant, const char* what) -> Status {
    if (declarant == party) return Status::Ok();
    return Forbidden(std::string("command ") + command.id + ": a declarant may " + what +
                     " only for its own party");
  };
  if (const auto* declare = std::get_if<engine::DeclareBody>(&command.body)) {
    return own(declare->declarant, "declare");
  }
  if (const auto* process = std::get_if<engine::ProcessBody>(&command.body)) {
    return own(process->declarant, "process");
  }
  // A stocktake is customs' own count of a party's goods (officers and admins): the party counting
  // its own could write bonded goods off untaxed as a shortage and book them back as an overage
  // without their history.
  if (std::holds_alternative<engine::StocktakeBody>(command.body)) {
    return Forbidden(std::string("command ") + command.id +
                     ": a stocktake is customs' count; a declarant may not submit one");
  }
  // A cancel names a declaration among the declarant's own (the engine resolves the name in the
  // scope of the command's stamp, engine::GoodsState::ResolveDocument): another party's declaration
  // is unknown to it, answered in the words an id nobody used gets. A 403 would tell it exists.
  if (std::holds_alternative<engine::CancelBody>(command.body)) return Status::Ok();
  return Forbidden(std::string("command ") + command.id + ": a declarant may not submit " +
                   engine::CommandTypeName(command.type) + " commands");
}

}  // namespace twoline::api
