#include "api/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "base/json_writer.h"

namespace twoline::api {
namespace {

// UTC wall-clock time with milliseconds. Logs are the one place outside the CLI that reads the
// clock: the engine never does.
std::string NowUtc() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buffer;
}

}  // namespace

LogLine::LogLine(std::string_view level, std::string_view event) {
  text_ = "{\"time\":\"" + NowUtc() + "\"";
  Add("level", level);
  Add("event", event);
}

LogLine& LogLine::Add(std::string_view key, std::string_view value) {
  text_ += ',';
  AppendJsonString(&text_, key);
  text_ += ':';
  AppendJsonString(&text_, value);
  return *this;
}

LogLine& LogLine::Add(std::string_view key, int64_t value) {
  text_ += ',';
  AppendJsonString(&text_, key);
  text_ += ':' + std::to_string(value);
  return *this;
}

LogLine& LogLine::Add(std::string_view key, double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", value);
  text_ += ',';
  AppendJsonString(&text_, key);
  text_ += ':';
  text_ += buffer;
  return *this;
}

void Log::Write(const LogLine& line) {
  if (out_ == nullptr) return;
  std::string text = line.Finish();
  std::lock_guard<std::mutex> lock(mutex_);
  out_->write(text.data(), static_cast<std::streamsize>(text.size()));
  out_->flush();
}

}  // namespace twoline::api
