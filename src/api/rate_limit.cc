#include "api/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <variant>

namespace twoline::api {

const RateLimit& RateLimiter::LimitOf(RateKind kind, const RateLimit* override_limit) const {
  if (override_limit != nullptr) return *override_limit;
  switch (kind) {
    case RateKind::kWrite: return limits_.writes;
    case RateKind::kRead: return limits_.reads;
    case RateKind::kPaged: return limits_.paged;
  }
  return limits_.reads;
}

RateLimiter::Bucket& RateLimiter::Refill(RateKind kind, const std::string& token_id,
                                         const RateLimit& limit, Clock::time_point now) {
  Bucket& bucket = buckets_[static_cast<int>(kind)][token_id];
  if (!bucket.used) {
    bucket.units = limit.burst;
    bucket.used = true;
  } else {
    double seconds = std::chrono::duration<double>(now - bucket.at).count();
    bucket.units = std::min(limit.burst, bucket.units + seconds * limit.per_second);
  }
  bucket.at = now;
  return bucket;
}

int RateLimiter::Take(const std::string& token_id, RateKind kind, double cost,
                      const RateLimit* override_limit) {
  const RateLimit& limit = LimitOf(kind, override_limit);
  if (limit.per_second <= 0) return 0;
  const int index = static_cast<int>(kind);
  Clock::time_point now = Clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto& buckets = buckets_[index];
  if (buckets.size() > 10000) {
    std::erase_if(buckets, [&](const auto& entry) {
      const Bucket& bucket = entry.second;
      double seconds = std::chrono::duration<double>(now - bucket.at).count();
      return bucket.units + seconds * limit.per_second >= limit.burst;
    });
  }
  Bucket& bucket = Refill(kind, token_id, limit, now);
  // A request larger than the whole bucket is let through when the bucket is full, else it could
  // never pass; it then leaves the bucket empty (in debt).
  double needed = std::min(cost, limit.burst);
  if (bucket.units >= needed) {
    bucket.units -= cost;
    return 0;
  }
  refused_[index].fetch_add(1);
  double wait = (needed - bucket.units) / limit.per_second;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

void RateLimiter::Charge(const std::string& token_id, RateKind kind, double cost,
                         const RateLimit* override_limit) {
  const RateLimit& limit = LimitOf(kind, override_limit);
  if (limit.per_second <= 0 || cost <= 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  Bucket& bucket = Refill(kind, token_id, limit, Clock::now());
  // The debt is bounded, so that one huge answer costs a wait of minutes, not hours.
  // A bucket already deeper (a request larger than the burst let through) is never raised by it.
  bucket.units = std::max(bucket.units - cost, std::min(bucket.units, -10 * limit.burst));
}

bool RateLimiter::Enter(const std::string& token_id, RateKind kind, size_t max) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t& count = in_flight_[static_cast<int>(kind)][token_id];
  if (count >= max) {
    refused_[static_cast<int>(kind)].fetch_add(1);
    return false;
  }
  ++count;
  return true;
}

void RateLimiter::Leave(const std::string& token_id, RateKind kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& counts = in_flight_[static_cast<int>(kind)];
  auto it = counts.find(token_id);
  if (it == counts.end()) return;
  if (--it->second == 0) counts.erase(it);
}

double DecideTimeCost(uint64_t decide_ns) {
  constexpr uint64_t kFree = 100'000, kUnit = 20'000;
  return decide_ns <= kFree ? 0 : static_cast<double>((decide_ns - kFree) / kUnit);
}

double ReadSizeCost(size_t bytes) {
  constexpr size_t kUnit = 16 * 1024;
  return bytes <= kUnit ? 0 : static_cast<double>((bytes - kUnit + kUnit - 1) / kUnit);
}

double WriteCost(const std::vector<engine::Command>& commands) {
  double cost = 0;
  for (const engine::Command& command : commands) {
    size_t lines = std::visit(
        [](const auto& body) -> size_t {
          using Body = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<Body, engine::DeclareBody>) return body.lines.size();
          if constexpr (std::is_same_v<Body, engine::ProcessBody>) {
            return body.inputs.size() + body.outputs.size();
          }
          if constexpr (std::is_same_v<Body, engine::StocktakeBody>) return body.counts.size();
          if constexpr (std::is_same_v<Body, engine::ReleaseBody>) return body.declarations.size();
          if constexpr (std::is_same_v<Body, engine::CrossBody>) return body.carried.size();
          if constexpr (std::is_same_v<Body, engine::InspectBody>) return body.measurements.size();
          return 1;
        },
        command.body);
    cost += static_cast<double>(std::max<size_t>(1, lines));
  }
  return cost;
}

}  // namespace twoline::api
