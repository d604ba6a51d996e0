// RateLimiter: per-token token buckets for writes and for expensive reads (HTTP 429 with
// Retry-After when a bucket is empty).
//
// A bucket holds up to `burst` units and refills at `per_second`; writes cost one unit per command
// (a batch of 1,000 commands costs 1,000), expensive reads (declarations, reports, the journal) one
// unit per request. The defaults are far above what a gate device or a declarant's system sends in
// normal work (a busy lane decides a crossing every few seconds) and stop one token from taking the
// writer or the database for itself. per_second = 0 turns a limit off.
// Memory: one entry per token id that made a limited request; entries whose bucket is full again
// are dropped when the table grows past 10,000.
// Thread-safety: Take is safe from any thread (one mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace twoline::api {

struct RateLimit {
  double per_second = 0;  // refill; 0: unlimited
  double burst = 0;       // bucket size
};

struct RateLimits {
  RateLimit writes{2000, 10000};  // commands per token
  RateLimit reads{50, 200};       // expensive reads per token
};

enum class RateKind { kWrite = 0, kRead = 1 };

class RateLimiter {
 public:
  explicit RateLimiter(const RateLimits& limits) : limits_(limits) {}
  // Takes `cost` units from the token's bucket of `kind`. 0 when allowed; otherwise nothing is
  // taken and the answer is the whole seconds until the bucket holds `cost` (at least 1).
  int Take(const std::string& token_id, RateKind kind, double cost);
  uint64_t refused(RateKind kind) const { return refused_[static_cast<int>(kind)].load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double units = 0;  // may go below 0 after a request larger than the bucket
    Clock::time_point at{};
    bool used = false;
  };
  const RateLimits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_[2];
  std::atomic<uint64_t> refused_[2] = {0, 0};
};

}  // namespace twoline::api
