// Log: structured logs, one JSON object per line ({"time":..,"level":..,"event":..,...}).
//
// What may be logged is decided by the callers' field names, which are fixed: route templates,
// status codes, durations, counts, zone ids, token ids and error messages about the system. Never
// persons' names, document numbers, person or party ids, request paths or bodies (they carry
// personal data); docs/operations.md lists the events.
// Thread-safety: Write is safe from any thread (one mutex; one write per line).
#pragma once

#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace twoline::api {

class LogLine {
 public:
  LogLine(std::string_view level, std::string_view event);
  LogLine& Add(std::string_view key, std::string_view value);
  LogLine& Add(std::string_view key, const char* value) { return Add(key, std::string_view(value)); }
  LogLine& Add(std::string_view key, int64_t value);
  LogLine& Add(std::string_view key, double value);
  std::string Finish() const { return text_ + "}\n"; }

 private:
  std::string text_;
};

class Log {
 public:
  explicit Log(std::ostream* out) : out_(out) {}
  void Write(const LogLine& line);

 private:
  std::mutex mutex_;
  std::ostream* out_;  // null: logging off
};

}  // namespace twoline::api
