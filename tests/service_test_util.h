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
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/command.h"
#include "policy/profile_loader.h"
#include "sim/simulator.h"
#include "store/commit_batch.h"
#include "store/store.h"
#include "store/zone_set.h"

namespace twoline::testing {

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

// Puts the built-in profiles of `zone_ids` in force in a new database.
inline void PutInForce(store::ZoneSet& zones, store::Store& store,
                       const std::vector<std::string>& zone_ids) {
  store::CommitBatch batch(zones, store);
  for (const std::string& zone : zone_ids) batch.PutProfileInForce(BuiltinProfile(zone));
  Status status = batch.Commit();
  ASSERT_TRUE(status.ok()) << status.message();
}

}  // namespace twoline::testing
