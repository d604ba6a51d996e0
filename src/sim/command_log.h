// CommandLog: the commands of a simulated day, collected out of order and written in time order.
//
// Generators add commands as they decide them — a declaration together with its release two hours
// later — each with its second of the local day and its members after the envelope (the "type"
// member first, written with JsonWriter). Write() sorts by (second, insertion order), numbers the
// ids in output order and adds the envelope. Because ties keep insertion order, a generator only
// has to add a command after the commands it depends on, or at a later second.
//
// One thing is decided only at Write(): the engine selects declarations for inspection by a hash
// of their command id (SPEC behaviour 11), and ids are numbered in output order. A declaration
// marked with SetSampling() that the engine will select gets the officer's passing inspection
// written just before the release that carries it, with the release's id plus ".1", ".2", ... so
// that no other id moves.
// Thread-safety: not shared.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
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

// The engine's sampling draw for a command id: the first 8 bytes of SHA-256(zone "\n" id), big-
// endian, modulo 1,000,000 — engine::SamplingDraw (engine/goods_rules.h), which the simulator
// cannot link; simulator_test checks that the two agree.
int64_t EngineSamplingDraw(std::string_view zone, std::string_view command_id);

class CommandLog {
 public:
  CommandLog(std::string zone, Date date, int32_t utc_offset_minutes, std::string id_prefix);

  // Adds a command at `second` (0 <= second < 86400, local time of the simulated day). `members`
  // are the JSON members after the envelope, starting with "type". Returns the command's index.
  size_t Add(int32_t second, CommandKind kind, std::string members);
  // Replaces the members of an added command (a release that picked up another declaration).
  void Replace(size_t index, std::string members);
  // Marks command `index`, the declaration of `declaration_id`, as subject to the engine's
  // inspection sampling at `rate_ppm` (its declarant's credit rate).
  void SetSampling(size_t index, std::string declaration_id, int64_t rate_ppm);
  // Records which declarations release command `index` carries.
  void SetReleased(size_t index, std::vector<std::string> declaration_ids);

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
  struct Sampling {
    std::string declaration_id;
    int64_t rate_ppm;
  };
  void AppendAt(int32_t second, std::string* out) const;
  void AppendLine(std::string_view id, int32_t second, std::string_view members,
                  std::string* out) const;

  std::string zone_;
  std::string zone_json_;  // the zone id as a JSON string, escaped once
  std::string id_prefix_;
  std::string date_prefix_;    // "2026-03-01T"
  std::string offset_suffix_;  // "+08:00"
  std::vector<Entry> entries_;
  std::unordered_map<size_t, Sampling> sampling_;                  // by entry index
  std::unordered_map<size_t, std::vector<std::string>> released_;  // by entry index
  int64_t counts_[11] = {};
};

}  // namespace twoline::sim
