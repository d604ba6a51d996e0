// SessionStore: browser sessions, kept in memory on the server (docs/api.md "Sessions").
//
// POST /v1/session exchanges a bearer token for a session: a random id sent as an HttpOnly,
// SameSite=Strict cookie, and a random CSRF value the page sends back in X-CSRF-Token on every
// state-changing request. The session remembers only the SHA-256 of the token it was made from
// (never the token), and every use checks that hash against the token table again, so revoking the
// token ends its sessions. A session expires after `idle` without use and at the latest `absolute`
// after it was made; at most sessions_max exist (when the table is full, expired ones and those
// whose token no longer authenticates are swept), and at most sessions_per_token_max per token: a
// token's next sign-in ends its least recently used session, so that one token (a declarant
// signing in in a loop) cannot fill the table and lock everyone else out.
// Sessions do not survive a restart: the console signs in again.
// Lookups are by the SHA-256 of the cookie value, so neither the table nor timing holds the secret.
// Thread-safety: every method is safe from any thread (one mutex).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"

namespace twoline::api {

struct SessionOptions {
  std::chrono::seconds idle{30 * 60};
  std::chrono::seconds absolute{12 * 60 * 60};
  bool secure_cookie =
      false;  // add Secure to the cookie (when served over HTTPS, e.g. behind a proxy)
  size_t sessions_max = 10000;
  size_t sessions_per_token_max = 16;
};

struct Session {
  std::string id;    // the cookie value
  std::string csrf;  // the X-CSRF-Token value
  Hash256 token_hash{};
  int64_t expires_at_unix = 0;  // absolute expiry, wall-clock seconds
};

class SessionStore {
 public:
  explicit SessionStore(const SessionOptions& options) : options_(options) {}
  // A new session for the token with this hash. `token_live` says whether a token (by hash) still
  // authenticates; it is asked only when the table is full. Errors: the table is full of live
  // sessions of other tokens, or the CSPRNG failed.
  Result<Session> Create(const Hash256& token_hash,
                         const std::function<bool(const Hash256&)>& token_live = {});
  // The live session with cookie value `id`, its idle expiry renewed; nullopt when unknown or
  // expired (an expired one is removed).
  std::optional<Session> Find(std::string_view id);
  void Remove(std::string_view id);
  size_t size();

  // Whether `presented` equals the session's CSRF value (compared in constant time).
  static bool CsrfMatches(const Session& session, std::string_view presented);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Session session;
    Clock::time_point created;
    Clock::time_point used;
  };
  struct HashKey {
    size_t operator()(const Hash256& hash) const;
  };
  bool Expired(const Entry& entry, Clock::time_point now) const;
  // Removes a session from both maps.
  void Erase(const Hash256& key);

  const SessionOptions options_;
  std::mutex mutex_;
  std::unordered_map<Hash256, Entry, HashKey> sessions_;                     // by SHA-256 of the id
  std::unordered_map<Hash256, std::vector<Hash256>, HashKey> by_token_;     // token hash -> keys
};

}  // namespace twoline::api
