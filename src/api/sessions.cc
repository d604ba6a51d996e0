#include "api/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <ctime>

namespace twoline::api {
namespace {

Result<std::string> RandomHex() {
  Hash256 bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Error{"the random number generator failed"};
  }
  return ToHex(bytes);
}

}  // namespace

size_t SessionStore::HashKey::operator()(const Hash256& hash) const {
  size_t value;
  std::memcpy(&value, hash.data(), sizeof value);
  return value;
}

bool SessionStore::Expired(const Entry& entry, Clock::time_point now) const {
  return now - entry.used >= options_.idle || now - entry.created >= options_.absolute;
}

Result<Session> SessionStore::Create(const Hash256& token_hash,
                                     const std::function<bool(const Hash256&)>& token_live) {
  auto id = RandomHex();
  auto csrf = RandomHex();
  if (!id || !csrf) return Error{"the random number generator failed"};
  Session session{*id, *csrf, token_hash,
                  static_cast<int64_t>(std::time(nullptr)) + options_.absolute.count()};
  Clock::time_point now = Clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  // The token's own sessions first: beyond its share, its least recently used one ends.
  if (auto own = by_token_.find(token_hash);
      own != by_token_.end() && own->second.size() >= options_.sessions_per_token_max) {
    const std::vector<Hash256>& keys = own->second;
    Hash256 oldest = keys.front();
    for (const Hash256& key : keys) {
      if (sessions_.at(key).used < sessions_.at(oldest).used) oldest = key;
    }
    Erase(oldest);
  }
  if (sessions_.size() >= options_.sessions_max) {
    std::vector<Hash256> ended;
    for (const auto& [key, entry] : sessions_) {
      if (Expired(entry, now) || (token_live && !token_live(entry.session.token_hash))) {
        ended.push_back(key);
      }
    }
    for (const Hash256& key : ended) Erase(key);
    if (sessions_.size() >= options_.sessions_max) return Error{"too many open sessions"};
  }
  const Hash256 key = Sha256(session.id);
  sessions_[key] = Entry{session, now, now};
  by_token_[token_hash].push_back(key);
  return session;
}

void SessionStore::Erase(const Hash256& key) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  auto own = by_token_.find(it->second.session.token_hash);
  if (own != by_token_.end()) {
    std::erase(own->second, key);
    if (own->second.empty()) by_token_.erase(own);
  }
  sessions_.erase(it);
}

std::optional<Session> SessionStore::Find(std::string_view id) {
  if (id.size() != 64) return std::nullopt;
  Hash256 key = Sha256(id);
  Clock::time_point now = Clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    Erase(key);
    return std::nullopt;
  }
  it->second.used = now;
  return it->second.session;
}

void SessionStore::Remove(std::string_view id) {
  Hash256 key = Sha256(id);
  std::lock_guard<std::mutex> lock(mutex_);
  Erase(key);
}

size_t SessionStore::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

bool SessionStore::CsrfMatches(const Session& session, std::string_view presented) {
  return presented.size() == session.csrf.size() &&
         CRYPTO_memcmp(presented.data(), session.csrf.data(), presented.size()) == 0;
}

}  // namespace twoline::api
