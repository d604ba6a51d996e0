// RateLimiter: per-token token buckets for writes, for expensive reads and for paged lists (HTTP
// 429 with Retry-After when a bucket is empty).
//
// A bucket holds up to `burst` units and refills at `per_second`; writes cost what they ask of the
// writer (WriteCost: one unit per command, and a command carrying many lines one per line: a batch
// of 1,000 crossings costs 1,000, a declaration of 580 lines 580) and, once decided, the writer time
// deciding took (DecideTimeCost), expensive reads (declarations,
// reports, the journal) and sign-ins one unit per request. The defaults are far above what a gate device or a declarant's system sends in
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
#include <vector>

#include "engine/command.h"

namespace twoline::api {

struct RateLimit {
  double per_second = 0;  // refill; 0: unlimited
  double burst = 0;       // bucket size
};

struct RateLimits {
  RateLimit writes{2000, 10000};  // commands per token
  // A declarant's: an enterprise's system declares far less than a gate device decides, and a
  // rejected declaration is journaled too (a token must not grow the journal at gate speed).
  RateLimit declarant_writes{50, 1000};
  RateLimit reads{50, 200};       // expensive reads per token
  // Paged lists per token (presence, crossings, a person's page): one unit a page, and for officers
  // one more per 16 KiB answered beyond the first 16 KiB (ReadSizeCost). Far above what a desk or
  // the console reads (a page every few seconds), and it bounds what one token can pull: about
  // 8 MB/s of pages, where one officer token reading 1,000-row pages in a loop had taken 135 MB/s
  // and slowed every other client's reads a hundredfold.
  RateLimit paged{500, 2000};
  // Requests of one token being served at once: commands of a declarant waiting for or in the
  // writer (each may take 250 ms of it), expensive reads of any role but admin (each answer is
  // built in memory before it is sent). Over: 429.
  size_t declarant_requests_in_writer_max = 4;
  size_t expensive_reads_in_flight_max = 4;
  bool charge_decide_time = true;  // writes also cost the writer time deciding took (DecideTimeCost)
};

enum class RateKind { kWrite = 0, kRead = 1, kPaged = 2 };

// What a request's commands cost from the write bucket: each command one unit, or one per line it
// carries when it carries more (declaration lines, a process's inputs and outputs, stocktake counts,
// released declarations, carried goods, measurements). Deciding, journaling and tracing a command
// grows with its lines, so a token cannot take the writer for itself with few, huge commands.
double WriteCost(const std::vector<engine::Command>& commands);

// What deciding took of the writer, charged once the commands are decided: one unit per 20 µs of
// deciding beyond the first 100 µs of each command. An ordinary command (a crossing in a few µs, a
// line in about ten) costs nothing more; a declaration walking 10,000 of a party's lots (tens of
// ms) costs a thousand units or more, so one token cannot keep the writer busy with few commands
// that each take many lots.
double DecideTimeCost(uint64_t decide_ns);

// What an expensive read costs beyond the unit taken before it, by the bytes it answered: one unit
// per 16 KiB beyond the first 16 KiB (a 257 KB declaration 15 more, a balance of 30,000 lots, 7.8 MB,
// about 480: its token waits that out before its next expensive read).
double ReadSizeCost(size_t bytes);

class RateLimiter {
 public:
  explicit RateLimiter(const RateLimits& limits) : limits_(limits) {}
  // Takes `cost` units from the token's bucket of `kind`. 0 when allowed; otherwise nothing is
  // taken and the answer is the whole seconds until the bucket holds `cost` (at least 1).
  // `limit` replaces the limit of `kind` (a declarant's writes).
  int Take(const std::string& token_id, RateKind kind, double cost, const RateLimit* limit = nullptr);
  // Takes `cost` units whatever the bucket holds (it may go into debt, up to ten bursts, which
  // later requests wait out): for a cost known only once a request is served.
  void Charge(const std::string& token_id, RateKind kind, double cost,
              const RateLimit* limit = nullptr);
  // Counts a request of the token being served; false (nothing counted) when `max` are already.
  bool Enter(const std::string& token_id, RateKind kind, size_t max);
  void Leave(const std::string& token_id, RateKind kind);
  const RateLimits& limits() const { return limits_; }
  uint64_t refused(RateKind kind) const { return refused_[static_cast<int>(kind)].load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double units = 0;  // may go below 0 after a request larger than the bucket
    Clock::time_point at{};
    bool used = false;
  };
  const RateLimit& LimitOf(RateKind kind, const RateLimit* override_limit) const;
  // The token's bucket of `kind`, refilled up to `now` (with mutex_ held).
  Bucket& Refill(RateKind kind, const std::string& token_id, const RateLimit& limit,
                 Clock::time_point now);

  const RateLimits limits_;
  std::mutex mutex_;
  static constexpr int kKinds = 3;
  std::unordered_map<std::string, Bucket> buckets_[kKinds];
  std::unordered_map<std::string, size_t> in_flight_[kKinds];
  std::atomic<uint64_t> refused_[kKinds] = {0, 0, 0};
};

}  // namespace twoline::api
