#include "api/metrics.h"

#include <cstdio>

#include "engine/decision.h"

namespace twoline::api {
namespace {

std::string FormatNumber(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

void Header(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Sample(std::string* out, const std::string& name, const std::string& labels, double value) {
  *out += name;
  if (!labels.empty()) *out += "{" + labels + "}";
  *out += " " + FormatNumber(value) + "\n";
}

void RenderHistogram(std::string* out, const char* name, const char* help,
                     const store::Histogram& histogram) {
  Header(out, name, "histogram", help);
  store::Histogram::Snapshot snapshot = histogram.Read();
  for (size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
    Sample(out, std::string(name) + "_bucket", "le=\"" + FormatNumber(snapshot.upper_bounds[i]) + "\"",
           static_cast<double>(snapshot.cumulative_counts[i]));
  }
  Sample(out, std::string(name) + "_bucket", "le=\"+Inf\"",
         static_cast<double>(snapshot.cumulative_counts.back()));
  Sample(out, std::string(name) + "_sum", "", snapshot.sum);
  Sample(out, std::string(name) + "_count", "", static_cast<double>(snapshot.count));
}

void RenderWriter(store::WriterStats& writer, std::string* out) {
  Header(out, "twoline_decisions_total", "counter", "Decisions returned, by zone and outcome.");
  for (const auto& zone : writer.zones) {
    for (size_t outcome = 0; outcome < store::kOutcomeCount; ++outcome) {
      Sample(out, "twoline_decisions_total",
             "zone=\"" + zone->zone + "\",outcome=\"" +
                 engine::OutcomeName(static_cast<engine::Outcome>(outcome)) + "\"",
             static_cast<double>(zone->decisions[outcome].load()));
    }
  }
  Header(out, "twoline_duplicates_total", "counter",
         "Repeated commands answered with their original decision, by zone.");
  for (const auto& zone : writer.zones) {
    Sample(out, "twoline_duplicates_total", "zone=\"" + zone->zone + "\"",
           static_cast<double>(zone->duplicates.load()));
  }
  Header(out, "twoline_journal_entries", "gauge", "Durable journal entries, by zone.");
  for (const auto& zone : writer.zones) {
    Sample(out, "twoline_journal_entries", "zone=\"" + zone->zone + "\"",
           static_cast<double>(zone->journal_entries.load()));
  }
  RenderHistogram(out, "twoline_decision_latency_seconds",
                  "Time from a request reaching the writer to its durable answer.",
                  writer.decision_latency_seconds);
  RenderHistogram(out, "twoline_batch_commands", "Commands per group commit.", writer.batch_commands);
  RenderHistogram(out, "twoline_commit_seconds", "Duration of one durable append (write and fsync).",
                  writer.commit_seconds);
  Header(out, "twoline_queue_commands", "gauge", "Commands waiting for the writer.");
  Sample(out, "twoline_queue_commands", "", static_cast<double>(writer.queue_commands.load()));
  Header(out, "twoline_overloaded_total", "counter", "Requests refused because the queue was full.");
  Sample(out, "twoline_overloaded_total", "", static_cast<double>(writer.overloaded_total.load()));
  Header(out, "twoline_commands_not_decided_total", "counter",
         "Commands answered command.not-decided: their request had taken the writer time one request may take.");
  Sample(out, "twoline_commands_not_decided_total", "",
         static_cast<double>(writer.commands_not_decided.load()));
  Header(out, "twoline_write_failures_total", "counter", "Failed commits (each stops all writes).");
  Sample(out, "twoline_write_failures_total", "", static_cast<double>(writer.write_failures_total.load()));
  Header(out, "twoline_writes_stopped", "gauge", "1 after a failed commit, until restart.");
  Sample(out, "twoline_writes_stopped", "", writer.writes_stopped.load() ? 1 : 0);
  Header(out, "twoline_writer_priority_raised", "gauge",
         "1 when the deciding and committing threads run at their raised priority (needs CAP_SYS_NICE).");
  Sample(out, "twoline_writer_priority_raised", "", writer.priority_raised.load() ? 1 : 0);
}

}  // namespace

HttpStats::HttpStats()
    : request_seconds_({0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                        0.25, 0.5, 1, 2.5, 5}) {}

void HttpStats::Count(std::string_view route, int status, double seconds) {
  request_seconds_.Observe(seconds);
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{std::string(route), status}];
}

void HttpStats::Render(std::string* out) const {
  Header(out, "twoline_http_requests_total", "counter", "HTTP requests, by route and status code.");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, count] : requests_) {
      Sample(out, "twoline_http_requests_total",
             "route=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"",
             static_cast<double>(count));
    }
  }
  RenderHistogram(out, "twoline_http_request_seconds", "HTTP request duration.", request_seconds_);
}

std::string RenderMetrics(store::WriterStats& writer, const HttpStats& http) {
  std::string out;
  out.reserve(8192);
  RenderWriter(writer, &out);
  http.Render(&out);
  return out;
}

void AppendMetric(std::string* out, const char* name, const char* type, const char* help, double value,
                  const std::string& labels) {
  if (type[0] != '\0') Header(out, name, type, help);
  Sample(out, name, labels, value);
}

}  // namespace twoline::api
