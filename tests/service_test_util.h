// Helpers for the store, writer, HTTP, JSON-suite and crash tests: temporary directories, profiles,
// simulated commands, and running commands through a CommitBatch.
// Thread-safety: each helper owns what it creates.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "engine/command.h"
#include "journal/entry.h"
#include "journal/merkle_leaf.h"
#include "policy/profile_loader.h"
#include "sim/simulator.h"
#include "store/commit_batch.h"
#include "store/store.h"
#include "store/zone_set.h"

namespace twoline::testing {

// The scheduling of each of this process's threads named `name` (Linux, /proc/self/task/*/stat):
// its nice value and its policy (SCHED_OTHER 0, SCHED_IDLE 5).
struct ThreadScheduling {
  long nice = 0;
  long policy = 0;
};
inline std::vector<ThreadScheduling> ThreadsNamed(const std::string& name) {
  std::vector<ThreadScheduling> found;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return found;
  while (dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.') continue;
    const std::string dir = std::string("/proc/self/task/") + task->d_name;
    std::string comm;
    std::getline(std::ifstream(dir + "/comm"), comm);
    if (comm != name) continue;
    std::string stat;
    std::getline(std::ifstream(dir + "/stat"), stat);
    // After "pid (comm) ": state is field 3; nice is field 19 and policy field 41.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::vector<std::string> values;
    for (std::string value; fields >> value;) values.push_back(value);
    if (values.size() < 39) continue;
    found.push_back({std::stol(values[19 - 3]), std::stol(values[41 - 3])});
  }
  closedir(tasks);
  return found;
}

// A directory under $TMPDIR (or /tmp) removed with everything in it at the end of the scope.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") + "/twoline-test-XXXXXX";
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
    if (path_.empty()) ADD_FAILURE() << "mkdtemp failed";
  }
  ~TempDir() { Remove(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  static void Remove(const std::string& path) {
    if (path.empty()) return;
    if (DIR* dir = opendir(path.c_str())) {
      while (dirent* entry = readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        std::string child = path + "/" + name;
        struct stat info;
        if (lstat(child.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
          Remove(child);
        } else {
          unlink(child.c_str());
        }
      }
      closedir(dir);
    }
    rmdir(path.c_str());
  }
  std::string path_;
};

// A well-formed journal row (journal/entry.h) for seq in zone, its command {"id":"c-SEQ","text":TEXT}
// (`text` is put in as it is: no quotes or backslashes), as a store keeps it.
inline store::EntryRecord JournalEntryRecord(const std::string& zone, uint64_t seq,
                                             const std::string& text) {
  journal::Entry line;
  line.seq = seq;
  line.zone = zone;
  line.prev = Sha256(zone + std::to_string(seq - 1));
  line.command = "{\"id\":\"c-" + std::to_string(seq) + "\",\"text\":\"" + text + "\"}";
  line.decision = "{\"id\":\"c-" + std::to_string(seq) + "\",\"outcome\":\"accepted\",\"reasons\":[]}";
  line.hash = journal::ComputeEntryHash(line);
  store::EntryRecord entry;
  entry.zone = zone;
  entry.seq = seq;
  entry.command_id = "c-" + std::to_string(seq);
  entry.hash = line.hash;
  entry.line = journal::EntryToJsonLine(line);
  entry.line.pop_back();
  entry.leaf_hash = journal::LeafHash(line);
  return entry;
}

inline std::shared_ptr<const policy::Profile> BuiltinProfile(const std::string& zone) {
  auto profile = policy::LoadBuiltinProfile(zone);
  if (!profile) {
    ADD_FAILURE() << profile.error().message;
    return nullptr;
  }
  return std::make_shared<policy::Profile>(std::move(profile).value());
}

// A simulated day of `zone` as JSON lines (sim/simulator.h), ids prefixed with `prefix`.
inline std::vector<std::string> SimulatedDay(const std::string& zone, int persons, uint64_t seed,
                                             const std::string& prefix = "") {
  auto profile = BuiltinProfile(zone);
  if (!profile) return {};
  sim::SimulationOptions options;
  options.date = DaysFromCivil(2026, 3, 2);
  options.persons = persons;
  options.seed = seed;
  options.id_prefix = prefix;
  std::ostringstream out;
  sim::Simulate(*profile, options, out);
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline engine::Command ParseOrDie(const std::string& json) {
  engine::Command command;
  engine::ParseFailure failure;
  engine::Limits limits;
  if (!engine::ParseCommand(json, limits, &command, &failure)) {
    ADD_FAILURE() << failure.message << " in " << json;
  }
  return command;
}

// Decides `lines` in `zone` through CommitBatch, committing every `per_batch` commands. Returns
// the answers in order.
inline std::vector<store::Answer> DecideAll(store::ZoneSet& zones, store::Store& store,
                                            const std::string& zone,
                                            const std::vector<std::string>& lines,
                                            size_t per_batch = 500) {
  store::CommitBatch batch(zones, store);
  std::vector<store::Answer> answers;
  for (const std::string& line : lines) {
    auto answer = batch.Decide(zone, ParseOrDie(line));
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
    if (answer.ok()) answers.push_back(*answer);
    if (batch.commands() >= per_batch) {
      EXPECT_TRUE(batch.Commit().ok());
    }
  }
  Status status = batch.Commit();
  EXPECT_TRUE(status.ok()) << status.message();
  return answers;
}

// Goods passing from one party to another in hengqin: P-A admits 97 kg of oil of French origin
// (D-A-IN, worth 9,700.00), transfers 31 kg to P-B (T-AB), and P-B consumes 5 kg (D-B-USE), so that
// P-A keeps 66 kg and P-B 26 kg. Each element is {who submits it, the command}: "declarant-a",
// "declarant-b" or "officer" (the release). `at` is the envelope's time.
inline std::vector<std::pair<std::string, std::string>> TransferScenario(
    const std::string& at = "2026-03-02T08:00:00+08:00") {
  auto command = [&](const std::string& id, const std::string& type, const std::string& body) {
    return "{\"id\":\"" + id + "\",\"zone\":\"hengqin\",\"at\":\"" + at + "\",\"type\":\"" + type +
           "\"," + body + "}";
  };
  auto party = [&](const std::string& id) {
    return command("reg-" + id, "register_party",
                   "\"party\":{\"id\":\"" + id +
                       "\",\"name\":\"Firm\",\"kind\":\"enterprise\",\"credit\":\"general\",\"lists\":[]}");
  };
  auto declare = [&](const std::string& id, const std::string& kind, const std::string& declarant,
                     const std::string& extra, const std::string& quantity, const std::string& value) {
    return command("c-" + id, "declare",
                   "\"declaration\":{\"id\":\"" + id + "\",\"kind\":\"" + kind + "\",\"declarant\":\"" +
                       declarant + "\"" + extra + ",\"lines\":[{\"sku\":\"OIL\",\"qty\":\"" + quantity +
                       "\",\"value\":\"" + value +
                       "\",\"currency\":\"CNY\",\"origin\":\"FR\",\"certificates\":[]}]}");
  };
  return {
      {"officer", party("P-A")},
      {"officer", party("P-B")},
      {"officer", command("reg-oil", "register_item",
                          "\"item\":{\"sku\":\"OIL\",\"hs_code\":\"3301.29\",\"description\":"
                          "\"Lavender oil\",\"unit\":\"kg\",\"tags\":[]}")},
      {"declarant-a", declare("D-A-IN", "first_line_in", "P-A", "", "97", "9700.00")},
      {"officer", command("rel-a", "release",
                          "\"gate\":\"HQ-L1-GDS-01\",\"declarations\":[\"D-A-IN\"]")},
      {"declarant-a",
       declare("T-AB", "transfer", "P-A", ",\"counterparty\":\"P-B\"", "31", "3100.00")},
      {"declarant-b", declare("D-B-USE", "consume", "P-B", "", "5", "500.00")},
  };
}

// The declaration a decision held for inspection, from its `declare` command ("" for others).
inline std::string HeldDeclaration(const std::string& command, const std::string& decision) {
  if (decision.find("\"outcome\":\"held\"") == std::string::npos) return "";
  size_t at = command.find("\"declaration\":{\"id\":\"");
  if (at == std::string::npos) return "";
  at += 21;  // past the opening quote of the id
  return command.substr(at, command.find('"', at) - at);
}

// An `inspect` with result pass of `declaration` in hengqin, at `at`.
inline std::string PassInspection(const std::string& declaration,
                                  const std::string& at = "2026-03-02T08:00:00+08:00") {
  return "{\"id\":\"pass-" + declaration + "\",\"zone\":\"hengqin\",\"at\":\"" + at +
         "\",\"type\":\"inspect\",\"declaration\":\"" + declaration + "\",\"result\":\"pass\"}";
}

// Decides the commands of a scenario one by one; a declaration held for inspection passes it at
// once, so that the scenario goes on as written whatever the sampling selects.
inline void DecideWithInspections(store::ZoneSet& zones, store::Store& store,
                                  const std::string& zone,
                                  const std::vector<std::pair<std::string, std::string>>& scenario) {
  for (const auto& [who, command] : scenario) {
    std::vector<store::Answer> answers = DecideAll(zones, store, zone, {command});
    ASSERT_EQ(answers.size(), 1u);
    std::string held = HeldDeclaration(command, answers[0].json);
    if (!held.empty()) DecideAll(zones, store, zone, {PassInspection(held)});
  }
}

// Puts the built-in profiles of `zone_ids` in force in a new database.
inline void PutInForce(store::ZoneSet& zones, store::Store& store,
                       const std::vector<std::string>& zone_ids) {
  store::CommitBatch batch(zones, store);
  for (const std::string& zone : zone_ids) batch.PutProfileInForce(BuiltinProfile(zone));
  Status status = batch.Commit();
  ASSERT_TRUE(status.ok()) << status.message();
}

}  // namespace twoline::testing
