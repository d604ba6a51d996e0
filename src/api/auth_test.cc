// TokenCache fails closed: when the token table cannot be re-read, no token is accepted (a revoked
// one could otherwise live on in the cache) until a read succeeds again.
#include "api/auth.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/memory_store.h"

namespace twoline::api {
namespace {

// A store whose token table can be made unreadable (the rest is a MemoryStore's).
class FlakyTokenStore : public store::Store {
 public:
  Result<std::vector<store::TokenRecord>> ListTokens() override {
    ++reads;
    if (failing) return Error{"disk I/O error"};
    return memory_.ListTokens();
  }
  Status Append(store::AppendBatch batch) override { return memory_.Append(std::move(batch)); }
  bool failed() const override { return memory_.failed(); }
  Result<std::vector<store::ZoneRecord>> Zones() override { return memory_.Zones(); }
  Result<std::vector<store::EntryRecord>> ReadEntries(const std::string& zone, uint64_t from,
                                                      size_t limit) override {
    return memory_.ReadEntries(zone, from, limit);
  }
  Status ScanEntries(const std::string& zone, uint64_t from, uint64_t through,
                     const std::function<Status(store::EntryRecord&)>& each) override {
    return memory_.ScanEntries(zone, from, through, each);
  }
  Result<std::vector<Hash256>> ReadLeafHashes(const std::string& zone, uint64_t from,
                                              size_t limit) override {
    return memory_.ReadLeafHashes(zone, from, limit);
  }
  Status WriteCheckpoint(const store::CheckpointRecord& checkpoint) override {
    return memory_.WriteCheckpoint(checkpoint);
  }
  Result<std::optional<store::CheckpointRecord>> LatestCheckpoint(const std::string& zone) override {
    return memory_.LatestCheckpoint(zone);
  }
  Result<store::PresencePage> ReadPresence(const std::string& zone, size_t offset,
                                           size_t limit) override {
    return memory_.ReadPresence(zone, offset, limit);
  }
  Result<std::optional<store::PresenceRow>> ReadPresenceOf(const std::string& zone,
                                                           const std::string& person) override {
    return memory_.ReadPresenceOf(zone, person);
  }
  Result<std::optional<store::ViewRow>> ReadView(const std::string& zone, const std::string& kind,
                                                 const std::string& key) override {
    return memory_.ReadView(zone, kind, key);
  }
  Result<store::ViewPage> ListViews(const std::string& zone, const std::string& kind,
                                    const store::ViewFilter& filter, size_t offset,
                                    size_t limit) override {
    return memory_.ListViews(zone, kind, filter, offset, limit);
  }
  Status ReadViews(const std::string& zone,
                   const std::function<Status(store::ViewReader&)>& read) override {
    return memory_.ReadViews(zone, read);
  }
  Status WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) override {
    return memory_.WriteSnapshot(zone, seq, bytes);
  }
  Result<std::vector<store::SnapshotInfo>> ListSnapshots(const std::string& zone) override {
    return memory_.ListSnapshots(zone);
  }
  Result<std::string> ReadSnapshot(const std::string& zone, uint64_t seq) override {
    return memory_.ReadSnapshot(zone, seq);
  }
  Status DeleteSnapshot(const std::string& zone, uint64_t seq) override {
    return memory_.DeleteSnapshot(zone, seq);
  }
  Status CreateToken(const store::TokenRecord& token) override {
    return memory_.CreateToken(token);
  }
  Result<bool> RevokeToken(const std::string& id, const std::string& at) override {
    return memory_.RevokeToken(id, at);
  }
  bool failing = false;
  int reads = 0;

 private:
  store::MemoryStore memory_;
};

TEST(TokenCacheTest, AFailedReloadRefusesEveryTokenUntilAReadSucceeds) {
  FlakyTokenStore store;
  auto token = GenerateToken(Role::kOfficer, "hengqin", "", "2026-01-01T00:00:00Z");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(store.CreateToken(token->record).ok());
  TokenCache cache(store, std::chrono::milliseconds(0));
  Principal principal;
  const std::string header = "Bearer " + token->secret;
  EXPECT_EQ(cache.Authenticate(header, &principal), TokenCheck::kValid);
  EXPECT_EQ(principal.zone, "hengqin");
  store.failing = true;
  ASSERT_TRUE(*store.RevokeToken(token->record.id, "2026-01-02T00:00:00Z"));
  EXPECT_EQ(cache.Authenticate(header, &principal), TokenCheck::kUnavailable)
      << "not the stale table";
  EXPECT_EQ(cache.AuthenticateHash(TokenSecretHash(token->secret), &principal),
            TokenCheck::kUnavailable);
  EXPECT_GE(cache.reload_failures(), 1u);
  store.failing = false;
  // The next read (after a short pause between retries) sees the revocation.
  TokenCheck check = TokenCheck::kUnavailable;
  for (int i = 0; i < 1000 && check == TokenCheck::kUnavailable; ++i) {
    check = cache.Authenticate(header, &principal);
    if (check == TokenCheck::kUnavailable)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(check, TokenCheck::kInvalid);
}

TEST(TokenCacheTest, WithinTheRefreshIntervalTheTableIsNotReread) {
  FlakyTokenStore store;
  auto token = GenerateToken(Role::kAdmin, "", "", "2026-01-01T00:00:00Z");
  ASSERT_TRUE(store.CreateToken(token->record).ok());
  TokenCache cache(store, std::chrono::hours(1));
  Principal principal;
  EXPECT_EQ(cache.Authenticate("Bearer " + token->secret, &principal), TokenCheck::kValid);
  EXPECT_EQ(cache.Authenticate("Bearer " + token->secret, &principal), TokenCheck::kValid);
  EXPECT_EQ(store.reads, 1);
  EXPECT_EQ(cache.Authenticate("Bearer twl_short", &principal), TokenCheck::kInvalid);
  EXPECT_EQ(cache.Authenticate("Basic abc", &principal), TokenCheck::kInvalid);
  // The scheme is case-insensitive; the token is not.
  EXPECT_EQ(cache.Authenticate("bearer " + token->secret, &principal), TokenCheck::kValid);
  EXPECT_EQ(cache.Authenticate("BEARER " + token->secret, &principal), TokenCheck::kValid);
  EXPECT_EQ(cache.Authenticate("Bearer" + token->secret, &principal), TokenCheck::kInvalid);
  EXPECT_EQ(cache.Authenticate("bear", &principal), TokenCheck::kInvalid);
  cache.Invalidate();
  EXPECT_EQ(cache.Authenticate("Bearer " + token->secret, &principal), TokenCheck::kValid);
  EXPECT_EQ(store.reads, 2);
}

}  // namespace
}  // namespace twoline::api
