// The scenario runner: every tests/scenarios/*.scenario file is a list of commands with the decision
// each must get (DuckDB-style plain-text tests, docs/testing.md).
//
//   # comment
//   zone hengqin                      the built-in profile put in force first (required, once)
//   > {"id":"a","zone":"hengqin",...} a command line, sent as is (malformed JSON is allowed)
//   < referred presence.already-inside
//                                     the expected decision: the outcome, then the exact, ordered
//                                     list of reason rule ids (omit to leave reasons unchecked),
//                                     then key=value checks: customs_duty=, import_vat=, total=,
//                                     personal_articles_tax=, exempted= (assessment amounts; "none"
//                                     for no assessment) and any extra decision field (inspection=pass)
//
// After the last command the runner replays the journal the run produced into a fresh engine and
// checks that it reaches the same state hash (SPEC behaviour 15).
#include <dirent.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "journal/chain.h"
#include "journal/snapshot.h"
#include "policy/profile_loader.h"

namespace twoline {
namespace {

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  std::string dir = std::string(TWOLINE_SOURCE_DIR) + "/tests/scenarios";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 9 && name.substr(name.size() - 9) == ".scenario") files.push_back(name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> Split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  std::string token;
  while (in >> token) out.push_back(token);
  return out;
}

// Checks one decision (wire JSON) against an expectation line. Returns "" or a failure message.
std::string Check(const std::string& wire, const std::string& expected) {
  simdjson::dom::parser parser;
  simdjson::dom::element decision;
  if (parser.parse(wire).get(decision)) return "decision is not JSON: " + wire;
  std::vector<std::string> tokens = Split(expected);
  if (tokens.empty()) return "empty expectation";
  std::string_view outcome;
  if (decision["outcome"].get(outcome)) return "decision has no outcome";
  if (outcome != tokens[0]) return "outcome " + std::string(outcome) + ", expected " + tokens[0];
  std::vector<std::string> actual_rules;
  simdjson::dom::array reasons;
  if (!decision["reasons"].get(reasons)) {
    for (auto reason : reasons) actual_rules.emplace_back(std::string_view(reason["rule"]));
  }
  if (outcome != "accepted" && actual_rules.empty()) return "a refusal without a reason";
  std::vector<std::string> expected_rules;
  bool rules_given = false;
  for (size_t i = 1; i < tokens.size(); ++i) {
    size_t eq = tokens[i].find('=');
    if (eq == std::string::npos) {
      expected_rules.push_back(tokens[i]);
      rules_given = true;
      continue;
    }
    std::string key = tokens[i].substr(0, eq), value = tokens[i].substr(eq + 1);
    simdjson::dom::element field;
    bool amount = key == "customs_duty" || key == "import_vat" || key == "total" ||
                  key == "personal_articles_tax" || key == "exempted";
    if (key == "assessment" && value == "none") {
      if (!decision["assessment"].get(field)) return "unexpected assessment";
      continue;
    }
    auto found = amount ? decision["assessment"][key].get(field) : decision[key].get(field);
    if (found) return "decision has no " + key;
    std::string actual = field.is_string() ? std::string(std::string_view(field))
                                           : simdjson::minify(field);
    if (actual != value) return key + " is " + actual + ", expected " + value;
  }
  if (rules_given && actual_rules != expected_rules) {
    std::string got;
    for (auto& r : actual_rules) got += r + " ";
    return "reasons are [" + got + "], expected " + expected;
  }
  return "";
}

class Scenario : public testing::TestWithParam<std::string> {};

TEST_P(Scenario, DecisionsMatchAndReplayReachesTheSameState) {
  std::string path = std::string(TWOLINE_SOURCE_DIR) + "/tests/scenarios/" + GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  journal::Chain chain;
  std::vector<journal::Entry> entries;
  std::string line, last_wire, last_command;
  int line_number = 0, checked = 0;
  bool awaiting = false;
  engine::Limits limits;
  while (std::getline(in, line)) {
    ++line_number;
    std::string where = GetParam() + ":" + std::to_string(line_number);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("zone ", 0) == 0) {
      auto profile = policy::LoadBuiltinProfile(line.substr(5));
      ASSERT_TRUE(profile.ok()) << where << ": " << profile.error().message;
      entries.push_back(chain.PutProfileInForce(std::make_shared<policy::Profile>(*profile)));
    } else if (line.rfind("> ", 0) == 0) {
      ASSERT_FALSE(awaiting) << where << ": the previous command has no expectation";
      last_command = line.substr(2);
      engine::Command command;
      engine::ParseFailure failure;
      if (!engine::ParseCommand(last_command, limits, &command, &failure)) {
        last_wire = engine::InvalidDecisionJson(failure.id, "command.malformed", failure.message);
      } else {
        auto submitted = chain.Submit(command);
        if (submitted.entry) entries.push_back(*submitted.entry);
        if (submitted.decision.duplicate_of) {
          const journal::Entry& original = entries[submitted.decision.duplicate_of - 1];
          last_wire = engine::WireDecisionJson(original.decision, original.seq, original.hash);
        } else {
          last_wire = submitted.wire;
        }
      }
      awaiting = true;
    } else if (line.rfind("< ", 0) == 0) {
      ASSERT_TRUE(awaiting) << where << ": expectation without a command";
      std::string failure = Check(last_wire, line.substr(2));
      EXPECT_EQ(failure, "") << where << "\n  command:  " << last_command
                             << "\n  decision: " << last_wire;
      awaiting = false;
      ++checked;
    } else {
      FAIL() << where << ": unrecognised line";
    }
  }
  EXPECT_FALSE(awaiting) << GetParam() << ": the last command has no expectation";
  EXPECT_GT(checked, 0) << GetParam() << ": no expectations";
  journal::Chain replay;
  for (const journal::Entry& entry : entries) {
    Status status = replay.Replay(entry);
    ASSERT_TRUE(status.ok()) << GetParam() << ": " << status.message();
  }
  EXPECT_EQ(ToHex(replay.engine().StateHash()), ToHex(chain.engine().StateHash()));
  EXPECT_EQ(ToHex(replay.head()), ToHex(chain.head()));

  // Snapshot + tail equals full replay, wherever the snapshot is taken: after the first entry, at
  // each quarter of the journal, and after the last.
  std::vector<size_t> cuts = {1, entries.size() / 4, entries.size() / 2, 3 * entries.size() / 4,
                              entries.size()};
  for (size_t cut : cuts) {
    if (cut == 0) continue;
    journal::Chain head_part;
    for (size_t i = 0; i < cut; ++i) ASSERT_TRUE(head_part.Replay(entries[i]).ok());
    std::string snapshot = journal::EncodeSnapshot(head_part);
    journal::Chain restored;
    journal::SnapshotHeader header;
    Status loaded = journal::LoadSnapshot(snapshot, &restored, &header);
    ASSERT_TRUE(loaded.ok()) << GetParam() << " cut " << cut << ": " << loaded.message();
    EXPECT_EQ(header.seq, cut);
    for (size_t i = cut; i < entries.size(); ++i) {
      Status status = restored.Replay(entries[i]);
      ASSERT_TRUE(status.ok()) << GetParam() << " cut " << cut << ": " << status.message();
    }
    EXPECT_EQ(ToHex(restored.engine().StateHash()), ToHex(chain.engine().StateHash()))
        << GetParam() << ": snapshot after entry " << cut << " + tail";
    EXPECT_EQ(ToHex(restored.head()), ToHex(chain.head()));
    // A snapshot of a restored engine restores again (snapshots of snapshots stay exact).
    if (cut == entries.size()) {
      journal::Chain again;
      EXPECT_TRUE(journal::LoadSnapshot(journal::EncodeSnapshot(restored), &again, nullptr).ok());
      EXPECT_EQ(again.engine().StateHash(), chain.engine().StateHash());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, Scenario, testing::ValuesIn(ScenarioFiles()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 9);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace twoline
