#include "sim/command_log.h"

#include <algorithm>
#include <cstdlib>

#include "base/check.h"
#include "base/json_writer.h"

namespace twoline::sim {
namespace {

// Output is flushed to the stream in blocks of about this size: one buffer for a whole day could
// reach gigabytes, and one write per line would be slow.
constexpr size_t kFlushBytes = 1 << 20;

void AppendTwoDigits(int value, std::string* out) {
  out->push_back(static_cast<char>('0' + value / 10));
  out->push_back(static_cast<char>('0' + value % 10));
}

// Command ids are numbered with at least seven digits so that they sort as text for any day the
// demo produces; longer days simply get more digits. Written by hand: this runs once per line.
void AppendNumber(int64_t number, int width, std::string* out) {
  char digits[24];
  int length = 0;
  do {
    digits[length++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number > 0);
  while (length < width) digits[length++] = '0';
  while (length > 0) out->push_back(digits[--length]);
}

}  // namespace

CommandLog::CommandLog(std::string zone, Date date, int32_t utc_offset_minutes,
                       std::string id_prefix)
    : id_prefix_(std::move(id_prefix)) {
  AppendJsonString(&zone_json_, zone);
  date_prefix_ = FormatDate(date) + "T";
  int32_t magnitude = std::abs(utc_offset_minutes);
  offset_suffix_.push_back(utc_offset_minutes < 0 ? '-' : '+');
  AppendTwoDigits(magnitude / 60, &offset_suffix_);
  offset_suffix_.push_back(':');
  AppendTwoDigits(magnitude % 60, &offset_suffix_);
}

size_t CommandLog::Add(int32_t second, CommandKind kind, std::string members) {
  CHECK(second >= 0 && second < kSecondsPerDay);
  entries_.push_back(Entry{second, kind, std::move(members)});
  ++counts_[static_cast<size_t>(kind)];
  return entries_.size() - 1;
}

void CommandLog::Replace(size_t index, std::string members) {
  CHECK(index < entries_.size());
  entries_[index].members = std::move(members);
}

void CommandLog::AppendAt(int32_t second, std::string* out) const {
  out->push_back('"');
  out->append(date_prefix_);
  AppendTwoDigits(second / 3600, out);
  out->push_back(':');
  AppendTwoDigits(second / 60 % 60, out);
  out->push_back(':');
  AppendTwoDigits(second % 60, out);
  out->append(offset_suffix_);
  out->push_back('"');
}

SimulationSummary CommandLog::Write(std::ostream& out) const {
  // Sort (second, insertion index) pairs packed in one integer: unique keys make the order total,
  // so std::sort gives the same result on every standard library.
  std::vector<uint64_t> order(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    order[i] = static_cast<uint64_t>(entries_[i].second) << 32 | static_cast<uint64_t>(i);
  }
  std::sort(order.begin(), order.end());
  std::string buffer;
  buffer.reserve(kFlushBytes + 4096);
  int64_t number = 0;
  for (uint64_t key : order) {
    const Entry& entry = entries_[key & 0xffffffffu];
    buffer += "{\"id\":\"";
    buffer += id_prefix_;
    buffer += "c-";
    AppendNumber(++number, 7, &buffer);
    buffer += "\",\"zone\":";
    buffer += zone_json_;
    buffer += ",\"at\":";
    AppendAt(entry.second, &buffer);
    buffer.push_back(',');
    buffer += entry.members;
    buffer += "}\n";
    if (buffer.size() >= kFlushBytes) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));

  SimulationSummary summary;
  summary.commands = static_cast<int64_t>(entries_.size());
  summary.registrations = Count(CommandKind::kRegisterParty) + Count(CommandKind::kRegisterPerson) +
                          Count(CommandKind::kRegisterItem);
  summary.crossings = Count(CommandKind::kCross);
  summary.declarations = Count(CommandKind::kDeclare);
  summary.releases = Count(CommandKind::kRelease);
  summary.inspections = Count(CommandKind::kInspect);
  summary.processes = Count(CommandKind::kProcess);
  summary.stocktakes = Count(CommandKind::kStocktake);
  summary.list_changes = Count(CommandKind::kList);
  summary.cancels = Count(CommandKind::kCancel);
  return summary;
}

}  // namespace twoline::sim
