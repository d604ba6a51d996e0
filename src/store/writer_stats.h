// WriterStats: the writer's counters and histograms, updated by the writer thread and read by the
// metrics endpoint (api/metrics.h renders them in the Prometheus text format).
//
// Every field is an atomic or a fixed array of atomics: the writer never waits for a reader, and a
// reader sees each value as of some recent moment (values are not a consistent snapshot of each
// other, which Prometheus does not need). The set of zones is fixed when the writer starts.
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace twoline::store {

// A cumulative histogram with fixed upper bounds (Prometheus "le" buckets).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<uint64_t> cumulative_counts;  // per bound, then +Inf last
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket (not cumulative), +Inf last
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

inline constexpr size_t kOutcomeCount = 5;  // engine::Outcome values

struct ZoneCounters {
  explicit ZoneCounters(std::string id) : zone(std::move(id)) {}
  const std::string zone;
  std::array<std::atomic<uint64_t>, kOutcomeCount> decisions{};  // by engine::Outcome
  std::atomic<uint64_t> duplicates{0};  // repeats answered with the original decision
  std::atomic<uint64_t> journal_entries{0};
};

struct WriterStats {
  WriterStats();
  ZoneCounters* Zone(const std::string& zone);  // nullptr when not served

  std::vector<std::unique_ptr<ZoneCounters>> zones;  // fixed when the writer starts
  Histogram decision_latency_seconds;  // from a request's arrival at the writer to its answer
  Histogram batch_commands;            // commands per group commit
  Histogram commit_seconds;            // one Store::Append (write + fsync)
  std::atomic<uint64_t> queue_commands{0};     // commands waiting for the writer
  std::atomic<uint64_t> overloaded_total{0};   // requests refused because the queue was full
  std::atomic<uint64_t> commands_not_decided{0};  // past their request's decide budget
  std::atomic<uint64_t> write_failures_total{0};
  std::atomic<bool> writes_stopped{false};     // sticky after a failed commit
  // WriterOptions::nice was asked for and applied to both the writer's and the committer's thread.
  std::atomic<bool> priority_raised{false};
};

}  // namespace twoline::store
