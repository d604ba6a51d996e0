#include "sim/command_log.h"

#include <algorithm>
#include <cstdlib>
#include <unordered_set>

#include "base/check.h"
#include "base/json_writer.h"
#include "base/sha256.h"

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

int64_t EngineSamplingDraw(std::string_view zone, std::string_view command_id) {
  return policy::SamplingDraw(zone, command_id);
}

CommandLog::CommandLog(std::string zone, Date date, int32_t utc_offset_minutes,
                       std::string id_prefix)
    : zone_(std::move(zone)), id_prefix_(std::move(id_prefix)) {
  AppendJsonString(&zone_json_, zone_);
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

void CommandLog::SetSampling(size_t index, std::string declaration_id, int64_t rate_ppm) {
  CHECK(index < entries_.size() && entries_[index].kind == CommandKind::kDeclare);
  sampling_[index] = Sampling{std::move(declaration_id), rate_ppm};
}

void CommandLog::SetReleased(size_t index, std::vector<std::string> declaration_ids) {
  CHECK(index < entries_.size() && entries_[index].kind == CommandKind::kRelease);
  released_[index] = std::move(declaration_ids);
}

void CommandLog::AppendLine(std::string_view id, int32_t second, std::string_view members,
                            std::string* out) const {
  out->append("{\"id\":\"");
  out->append(id);
  out->append("\",\"zone\":");
  out->append(zone_json_);
  out->append(",\"at\":");
  AppendAt(second, out);
  out->push_back(',');
  out->append(members);
  out->append("}\n");
}

SimulationSummary CommandLog::Write(std::ostream& out) const {
  // Sort (second, insertion index) pairs packed in one integer: unique keys make the order total,
  // so std::sort gives the same result on every standard library.
  std::vector<uint64_t> order(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    order[i] = static_cast<uint64_t>(entries_[i].second) << 32 | static_cast<uint64_t>(i);
  }
  std::sort(order.begin(), order.end());
  auto command_id = [&](size_t position) {
    std::string id = id_prefix_ + "c-";
    AppendNumber(static_cast<int64_t>(position) + 1, 7, &id);
    return id;
  };
  // Final ids decide sampling, so find the selected declarations before writing anything.
  std::unordered_set<std::string> selected;
  for (size_t position = 0; position < order.size(); ++position) {
    auto sampling = sampling_.find(order[position] & 0xffffffffu);
    if (sampling == sampling_.end()) continue;
    if (EngineSamplingDraw(zone_, command_id(position)) < sampling->second.rate_ppm) {
      selected.insert(sampling->second.declaration_id);
    }
  }
  std::string buffer;
  buffer.reserve(kFlushBytes + 4096);
  int64_t sampled_inspections = 0;
  for (size_t position = 0; position < order.size(); ++position) {
    size_t index = order[position] & 0xffffffffu;
    const Entry& entry = entries_[index];
    std::string id = command_id(position);
    auto released = released_.find(index);
    if (released != released_.end()) {
      int suffix = 0;
      for (const std::string& declaration : released->second) {
        if (selected.count(declaration) == 0) continue;
        std::string members = "\"type\":\"inspect\",\"declaration\":";
        AppendJsonString(&members, declaration);
        members += ",\"result\":\"pass\"";
        AppendLine(id + "." + std::to_string(++suffix), entry.second, members, &buffer);
        ++sampled_inspections;
      }
    }
    AppendLine(id, entry.second, entry.members, &buffer);
    if (buffer.size() >= kFlushBytes) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));

  SimulationSummary summary;
  summary.commands = static_cast<int64_t>(entries_.size()) + sampled_inspections;
  summary.registrations = Count(CommandKind::kRegisterParty) + Count(CommandKind::kRegisterPerson) +
                          Count(CommandKind::kRegisterItem);
  summary.crossings = Count(CommandKind::kCross);
  summary.declarations = Count(CommandKind::kDeclare);
  summary.releases = Count(CommandKind::kRelease);
  summary.inspections = Count(CommandKind::kInspect) + sampled_inspections;
  summary.processes = Count(CommandKind::kProcess);
  summary.stocktakes = Count(CommandKind::kStocktake);
  summary.list_changes = Count(CommandKind::kList);
  summary.cancels = Count(CommandKind::kCancel);
  return summary;
}

}  // namespace twoline::sim
