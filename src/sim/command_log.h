// CommandLog: the commands of a simulated day, collected out of order and written in time order.
//
// Generators add commands as they decide them — a declaration together with its release two hours
// later — each with its second of the local day and its members after the envelope (the "type"
// member first, written with JsonWriter). Write() sorts by (second, insertion order), numbers the
// ids in output order and adds the envelope. Because ties keep insertion order, a generator only
// has to add a command after the commands it depends on, or at a later second.
// Thread-safety: not shared.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "base/time.h"
#include "sim/simulator.h"

namespace twoline::sim {

inline constexpr int32_t kSecondsPerDay = 86400;

enum class CommandKind : uint8_t {
  kRegisterParty,
  kRegisterPerson,
  kRegisterItem,
  kList,
  kCross,
  kDeclare,
  kProcess,
  kRelease,
  kInspect,
  kCancel,
  kStocktake,
};

class CommandLog {
 public:
  CommandLog(std::string zone, Date date, int32_t utc_offset_minutes, std::string id_prefix);

  // Adds a command at `second` (0 <= second < 86400, local time of the simulated day). `members`
  // are the JSON members after the envelope, starting with "type". Returns the command's index.
  size_t Add(int32_t second, CommandKind kind, std::string members);
  // Replaces the members of an added command (a release that picked up another declaration).
  void Replace(size_t index, std::string members);

  size_t size() const { return entries_.size(); }
  int64_t Count(CommandKind kind) const { return counts_[static_cast<size_t>(kind)]; }

  // Writes every command, one JSON object per line, in time order.
  SimulationSummary Write(std::ostream& out) const;

 private:
  struct Entry {
    int32_t second;
    CommandKind kind;
    std::string members;
  };
  void AppendAt(int32_t second, std::string* out) const;

  std::string zone_json_;  // the zone id as a JSON string, escaped once
  std::string id_prefix_;
  std::string date_prefix_;    // "2026-03-01T"
  std::string offset_suffix_;  // "+08:00"
  std::vector<Entry> entries_;
  int64_t counts_[11] = {};
};

}  // namespace twoline::sim
