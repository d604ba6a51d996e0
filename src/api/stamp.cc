#include "api/stamp.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/check.h"
#include "base/format.h"
#include "base/time.h"

namespace twoline::api {
namespace {

std::string PathOf(bool batch, size_t index, const char* member) {
  std::string path = batch ? "$[" + std::to_string(index) + "]" : std::string("$");
  return path + "." + member;
}

// CSPRNG bytes for nonces, drawn 4 KiB at a time per thread: one RAND_bytes per 256 nonces rather
// than one per command (perf of `serve` under 64 clients posting crossings: RAND_bytes, with the
// fork check it makes on every call, was 7% of an event loop's samples). Bytes handed out are
// wiped from the pool.
bool RandomBytes(unsigned char* out, size_t size) {
  thread_local std::array<unsigned char, 4096> pool;
  thread_local size_t used = pool.size();
  if (size > pool.size()) return RAND_bytes(out, static_cast<int>(size)) == 1;
  if (pool.size() - used < size) {
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) return false;
    used = 0;
  }
  std::memcpy(out, pool.data() + used, size);
  OPENSSL_cleanse(pool.data() + used, size);
  used += size;
  return true;
}

std::optional<std::string> Nonce() {
  std::array<unsigned char, 16> bytes;
  if (!RandomBytes(bytes.data(), bytes.size())) return std::nullopt;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  }
  return out;
}

// "1310 days", "7 h", "12 min", "40 s": rounded down, for people.
std::string Duration(int64_t seconds) {
  if (seconds >= 2 * 86400) return std::to_string(seconds / 86400) + " days";
  if (seconds >= 2 * 3600) return std::to_string(seconds / 3600) + " h";
  if (seconds >= 120) return std::to_string(seconds / 60) + " min";
  return std::to_string(seconds) + " s";
}

}  // namespace

std::optional<BodyError> StampCommands(const Principal& principal, const ZoneTime& time, bool batch,
                                       std::vector<engine::Command>* commands,
                                       std::vector<LateCommand>* late) {
  const std::string now_text = FormatRfc3339(time.now_unix_seconds, time.utc_offset_minutes);
  const bool declarant = principal.role == Role::kDeclarant;
  const bool admin = principal.role == Role::kAdmin;
  // Every refusal is found before any command is stamped, so a refused body is left as it came.
  for (size_t i = 0; i < commands->size(); ++i) {
    const engine::Command& command = (*commands)[i];
    if (command.received) {
      return BodyError{400, "invalid_command",
                       PathOf(batch, i, "received") +
                           ": set by the server when it receives a command; a client may not send it",
                       PathOf(batch, i, "received")};
    }
    const int64_t ahead = command.at.unix_seconds - time.now_unix_seconds;
    const int64_t skew = std::llabs(ahead);
    // An admin imports past events; an event that has not happened yet is no import, whoever sends
    // it (it would put the rules of a later date in force for the command).
    const bool refused = admin ? ahead > time.allowed_skew_seconds : skew > time.allowed_skew_seconds;
    if (refused) {
      std::string path = PathOf(batch, i, "at");
      std::string message =
          path + ": " + command.at_text + " is " + Duration(skew) + (ahead > 0 ? " ahead of" : " from") +
          " the server's time " + now_text + "; the zone's allowed skew is " +
          Duration(time.allowed_skew_seconds) + " (" +
          (admin       ? "an admin imports past events, not future ones"
           : declarant ? "a declarant's command is decided at the time the server receives it"
                       : "an officer may send the device's time within the allowed skew") +
          (admin ? ")" : "; only an admin may submit past events)");
      BodyError refusal{400, "invalid_command", std::move(message), std::move(path)};
      if (late == nullptr) return refusal;
      late->push_back(LateCommand{i, std::move(refusal)});
    }
  }
  std::vector<std::string> nonces(admin ? 0 : commands->size());
  for (std::string& nonce : nonces) {
    auto drawn = Nonce();
    if (!drawn) return BodyError{503, "unavailable", "the server's random source failed", ""};
    nonce = std::move(*drawn);
  }
  for (size_t i = 0; i < commands->size(); ++i) {
    engine::Command& command = (*commands)[i];
    engine::Received stamp;
    stamp.at_text = now_text;
    stamp.role = declarant ? "declarant" : admin ? "admin" : "officer";
    stamp.token = principal.token_id;
    if (declarant) {
      stamp.party = principal.party;
      stamp.client_at = command.at_text;
    }
    if (!admin) stamp.nonce = std::move(nonces[i]);
    std::string error;
    // Cannot fail: both times are the server's own, in RFC 3339.
    const bool stamped = engine::StampCommand(&command, std::move(stamp),
                                              declarant ? now_text : std::string(), &error);
    CHECK(stamped);
  }
  return std::nullopt;
}

}  // namespace twoline::api
