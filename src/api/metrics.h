// Metrics: the Prometheus text exposition (format 0.0.4) served at GET /metrics.
//
// Writer metrics come from store::WriterStats (decisions by zone and outcome, decision latency,
// batch sizes, commit time, queue depth, journal entries, write failures); HTTP metrics (requests by
// route template and status code, request latency) are counted here. Route labels are templates
// ("/v1/zones/{zone}/parties/{party}/balance"), never raw paths, so that ids (which may identify a
// party) never become label values and the label set stays bounded.
// Thread-safety: HttpStats is safe from any thread; RenderMetrics reads atomics.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "store/writer_stats.h"

namespace twoline::api {

class HttpStats {
 public:
  HttpStats();
  void Count(std::string_view route, int status, double seconds);
  // Appends the HTTP metric families.
  void Render(std::string* out) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status) -> count
  store::Histogram request_seconds_;
};

std::string RenderMetrics(store::WriterStats& writer, const HttpStats& http);

// Appends one sample of a metric family, with its HELP and TYPE lines unless `type` is empty (a
// further sample of a family already begun).
void AppendMetric(std::string* out, const char* name, const char* type, const char* help, double value,
                  const std::string& labels = "");

}  // namespace twoline::api
