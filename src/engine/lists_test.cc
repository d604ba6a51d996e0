// List memberships are keyed by the list's id, not by its position in the profile: a profile change
// that reorders the lists keeps every membership, one that drops a list drops its members, and a
// snapshot keeps which bit stands for which list (engine/state.h, State::list_ids).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "policy/profile_loader.h"

namespace twoline::engine {
namespace {

std::shared_ptr<const policy::Profile> Hengqin() {
  auto profile = policy::LoadBuiltinProfile("hengqin");
  EXPECT_TRUE(profile.ok()) << profile.error().message;
  return std::make_shared<policy::Profile>(std::move(*profile));
}

// The built-in Hengqin profile's text with its [[lists]] tables transformed by `change` (which gets
// the tables in file order, each starting with "[[lists]]").
std::shared_ptr<const policy::Profile> HengqinWithLists(
    void (*change)(std::vector<std::string>* tables)) {
  auto builtin = Hengqin();
  const std::string& text = builtin->source_text;
  size_t begin = text.find("[[lists]]\n");
  size_t end = text.find("\n# ", begin);  // the comment after the last list table
  EXPECT_NE(begin, std::string::npos);
  EXPECT_NE(end, std::string::npos);
  std::vector<std::string> tables;
  for (size_t at = begin; at < end;) {
    size_t next = text.find("[[lists]]\n", at + 1);
    if (next == std::string::npos || next > end) next = end;
    std::string table = text.substr(at, next - at);
    if (table.back() != '\n') table += '\n';
    tables.push_back(table);
    at = next;
  }
  EXPECT_EQ(tables.size(), 4u);
  change(&tables);
  std::string changed = text.substr(0, begin);
  for (const std::string& table : tables) changed += table + "\n";
  changed += text.substr(end + 1);
  policy::ProfileErrors errors;
  auto profile =
      policy::LoadProfileText(changed, builtin->tariff_text, "hengqin-lists.toml", &errors);
  EXPECT_TRUE(profile.ok()) << profile.error().message;
  return std::make_shared<policy::Profile>(std::move(*profile));
}

class ListsAcrossProfiles : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.PutProfileInForce(Hengqin());
    Run(RegisterPerson("p-watch", "MO-1", R"(["watchlist"])"));
    Run(RegisterPerson("p-talent", "MO-2", R"(["talent"])"));
    Run(RegisterPerson("p-both", "MO-3", R"([])"));
    Run(R"({"id":"l-1","zone":"hengqin","at":"2024-06-01T08:00:00+08:00","type":"list",)"
        R"("list":"fresh_food","add":["MO-3"]})");
    Run(R"({"id":"l-2","zone":"hengqin","at":"2024-06-01T08:00:00+08:00","type":"list",)"
        R"("list":"talent","add":["MO-3"]})");
    Run(R"({"id":"r-party","zone":"hengqin","at":"2024-06-01T08:00:00+08:00",)"
        R"("type":"register_party","party":{"id":"P-1","name":"Firm","kind":"enterprise",)"
        R"("credit":"general","lists":["duty_free_entities"]}})");
  }

  static std::string RegisterPerson(const std::string& id, const std::string& person,
                                    const std::string& lists) {
    return R"({"id":")" + id +
           R"(","zone":"hengqin","at":"2024-06-01T08:00:00+08:00",)"
           R"("type":"register_person","person":{"id":")" +
           person +
           R"(","name":"Test","nationality":"CN","resident_of":"MO","birth_date":"1980-01-01",)"
           R"("documents":[{"type":"home_return_permit","number":"H1","valid_from":"2020-01-01",)"
           R"("valid_until":"2030-01-01"}],"lists":)" +
           lists + "}}";
  }

  Decision Run(const std::string& json) {
    Command command;
    ParseFailure failure;
    EXPECT_TRUE(ParseCommand(json, Limits{}, &command, &failure)) << failure.message;
    return engine_.Execute(command);
  }

  // The ids of the lists a person is on, sorted.
  std::vector<std::string> ListsOf(const std::string& person) const {
    const Person* record = engine_.state().FindPerson(person);
    EXPECT_NE(record, nullptr);
    std::vector<std::string> names;
    for (size_t bit = 0; bit < engine_.state().list_ids.size(); ++bit) {
      if (record->lists >> bit & 1) names.push_back(engine_.state().list_ids[bit].name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string Cross(const std::string& id, const std::string& person, const std::string& gate) {
    Decision decision = Run(R"({"id":")" + id +
                            R"(","zone":"hengqin","at":"2024-06-02T08:00:00+08:00","type":"cross",)"
                            R"("person":")" +
                            person + R"(","gate":")" + gate + R"(","direction":"in"})");
    std::string text = OutcomeName(decision.outcome);
    for (const Reason& reason : decision.reasons) text += " " + reason.rule;
    return text;
  }

  Engine engine_;
};

TEST_F(ListsAcrossProfiles, AProfileThatReordersItsListsKeepsEveryMembership) {
  engine_.PutProfileInForce(HengqinWithLists(
      [](std::vector<std::string>* tables) { std::reverse(tables->begin(), tables->end()); }));
  ASSERT_EQ(engine_.profile().lists.front().name, "duty_free_entities");
  EXPECT_EQ(ListsOf("MO-1"), std::vector<std::string>{"watchlist"});
  EXPECT_EQ(ListsOf("MO-2"), std::vector<std::string>{"talent"});
  EXPECT_EQ(ListsOf("MO-3"), (std::vector<std::string>{"fresh_food", "talent"}));
  EXPECT_TRUE(
      engine_.state().OnList(engine_.state().FindParty("P-1")->lists, "duty_free_entities"));
  // The rules see the same members: the watchlisted person is referred, the talent may use the
  // whitelist lane, the others may not.
  EXPECT_EQ(Cross("x-1", "MO-1", "HQ-L1-GEN-01"), "referred watchlist.hit");
  EXPECT_EQ(Cross("x-2", "MO-2", "HQ-L1-WL-01"), "accepted");
  EXPECT_EQ(Cross("x-3", "MO-3", "HQ-L1-WL-01"), "accepted");
  EXPECT_EQ(Cross("x-4", "MO-1", "HQ-L1-WL-01"), "rejected lane.whitelist-only watchlist.hit");
}

TEST_F(ListsAcrossProfiles, ADroppedListLosesItsMembersEvenWhenItComesBack) {
  engine_.PutProfileInForce(HengqinWithLists([](std::vector<std::string>* tables) {
    tables->erase(tables->begin());  // watchlist
  }));
  EXPECT_TRUE(ListsOf("MO-1").empty());
  EXPECT_EQ(ListsOf("MO-3"), (std::vector<std::string>{"fresh_food", "talent"}));
  Decision listed = Run(R"({"id":"l-3","zone":"hengqin","at":"2024-06-01T09:00:00+08:00",)"
                        R"("type":"list","list":"watchlist","add":["MO-2"]})");
  EXPECT_EQ(listed.outcome, Outcome::kInvalid);  // the profile in force has no watchlist
  engine_.PutProfileInForce(Hengqin());
  EXPECT_TRUE(ListsOf("MO-1").empty());
  EXPECT_EQ(Cross("x-1", "MO-1", "HQ-L1-GEN-01"), "accepted");
  EXPECT_EQ(ListsOf("MO-3"), (std::vector<std::string>{"fresh_food", "talent"}));
}

TEST_F(ListsAcrossProfiles, TheStateHashDependsOnMembershipsNotOnBits) {
  // The same memberships reached through a reordering hash like the original: the hash covers the
  // lists' ids, not which bit each got (the profile text is hashed too, so compare with the
  // original profile put back in force).
  Hash256 before = engine_.StateHash();
  Engine reordered = engine_;
  reordered.PutProfileInForce(HengqinWithLists([](std::vector<std::string>* tables) {
    std::rotate(tables->begin(), tables->begin() + 1, tables->end());
  }));
  reordered.PutProfileInForce(Hengqin());
  Engine same = engine_;
  same.PutProfileInForce(Hengqin());
  same.PutProfileInForce(Hengqin());
  EXPECT_EQ(reordered.StateHash(), same.StateHash());
  EXPECT_NE(reordered.StateHash(), before);  // two more entries
}

TEST(ProfileLists, AProfileDeclaresAtMost64Lists) {
  auto builtin = Hengqin();
  std::string text = builtin->source_text;
  for (int i = 0; i < 61; ++i) {
    text += "\n[[lists]]\nname = \"extra-" + std::to_string(i) + "\"\nkind = \"persons\"\n";
  }
  policy::ProfileErrors errors;
  auto profile = policy::LoadProfileText(text, builtin->tariff_text, "many.toml", &errors);
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.error().message.find("many.toml:"), std::string::npos);
  EXPECT_NE(profile.error().message.find("at most 64 lists"), std::string::npos)
      << profile.error().message;
  text.resize(text.rfind("\n[[lists]]"));
  EXPECT_TRUE(policy::LoadProfileText(text, builtin->tariff_text, "many.toml", &errors).ok());
}

}  // namespace
}  // namespace twoline::engine
