// What-if through the Store interface (MemoryStore): the HTTP form's answers, a start from a
// snapshot equal to a start from the first entry, and bad input refused with a clear error.
// tests/cli/whatif.sh compares drafts with running the commands under them, end to end.
#include "whatif/whatif.h"

#include <gtest/gtest.h>

#include <fstream>

#include "journal/chain.h"
#include "journal/snapshot.h"
#include "policy/profile_loader.h"
#include "store/memory_store.h"

namespace twoline::whatif {
namespace {

std::string Hengqin() { return policy::LoadBuiltinProfile("hengqin")->source_text; }

// A Hengqin journal of a scenario's commands, in a MemoryStore; a snapshot after entry 1 when
// asked.
class WhatIfStore : public ::testing::Test {
 protected:
  // `tamper_seq`: that entry is stored with its decision's outcome changed and its hash kept.
  static void Fill(store::MemoryStore& store, bool snapshot_after_profile, uint64_t tamper_seq = 0) {
    journal::Chain chain;
    auto profile = policy::LoadBuiltinProfile("hengqin");
    ASSERT_TRUE(profile.ok());
    store::AppendBatch batch;
    auto add = [&](const journal::Entry& entry) {
      std::string line = journal::EntryToJsonLine(entry);
      line.pop_back();
      if (entry.seq == tamper_seq) {
        size_t outcome = line.find("\"outcome\":\"accepted\"");
        ASSERT_NE(outcome, std::string::npos) << line;
        line.replace(outcome, 20, "\"outcome\":\"rejected\"");
      }
      batch.entries.push_back({"hengqin", entry.seq, "", entry.hash, line});
    };
    add(chain.PutProfileInForce(std::make_shared<policy::Profile>(*profile)));
    if (snapshot_after_profile) {
      ASSERT_TRUE(store.WriteSnapshot("hengqin", 1, journal::EncodeSnapshot(chain)).ok());
    }
    std::ifstream in(std::string(TWOLINE_SOURCE_DIR) +
                     "/tests/scenarios/goods-hengqin-basics.scenario");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("> ", 0) != 0) continue;
      engine::Command command;
      engine::ParseFailure failure;
      if (!engine::ParseCommand(line.substr(2), engine::Limits{}, &command, &failure)) continue;
      auto submitted = chain.Submit(command);
      if (submitted.entry) add(*submitted.entry);
    }
    ASSERT_GT(batch.entries.size(), 10u);
    ASSERT_TRUE(store.Append(batch).ok());
  }

  store::MemoryStore store_;
  store::MemoryStore snapshotted_;
};

TEST_F(WhatIfStore, ADraftIdenticalToTheProfileChangesNothing) {
  Fill(store_, false);
  auto json = WhatIfJson(store_, "hengqin", Hengqin(), "", "");
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_NE(json->find("\"first_seq\":2,"), std::string::npos) << *json;
  EXPECT_NE(json->find("\"changed\":0,"), std::string::npos) << *json;
  EXPECT_NE(json->find("\"transitions\":[]"), std::string::npos) << *json;
}

TEST_F(WhatIfStore, ADraftWithoutItsTariffFileUsesTheTariffInForce) {
  Fill(store_, false);
  // The built-in text names tariff-mainland.csv; over HTTP no file comes with it.
  std::string draft = Hengqin();
  size_t rate = draft.find("rate = \"0.13\"");
  ASSERT_NE(rate, std::string::npos);
  draft.replace(rate, 13, "rate = \"0.25\"");
  auto json = WhatIfJson(store_, "hengqin", draft, "", "");
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_NE(json->find("\"draft_sha256\":\"" + ToHex(Sha256(draft)) + "\""), std::string::npos);
}

TEST_F(WhatIfStore, StartingFromASnapshotGivesTheSameReport) {
  Fill(store_, false);
  auto replayed = WhatIfJson(store_, "hengqin", Hengqin(), "", "");
  Fill(snapshotted_, true);
  ASSERT_EQ(snapshotted_.ListSnapshots("hengqin")->size(), 1u);
  auto restored = WhatIfJson(snapshotted_, "hengqin", Hengqin(), "", "");
  ASSERT_TRUE(replayed.ok() && restored.ok());
  EXPECT_EQ(*restored, *replayed);
}

TEST_F(WhatIfStore, AnEntryAlteredInThePeriodIsNamedNotReportedAsAChange) {
  Fill(store_, false, /*tamper_seq=*/5);
  auto json = WhatIfJson(store_, "hengqin", Hengqin(), "", "");
  ASSERT_FALSE(json.ok()) << *json;
  EXPECT_NE(json.error().message.find("seq 5: hash does not match the entry's content"),
            std::string::npos)
      << json.error().message;
}

TEST_F(WhatIfStore, BadInputIsRefusedWithAClearError) {
  Fill(store_, false);
  auto error = [&](const std::string& zone, const std::string& text, const std::string& from,
                   const std::string& to) {
    auto json = WhatIfJson(store_, zone, text, from, to);
    EXPECT_FALSE(json.ok());
    return json.ok() ? std::string() : json.error().message;
  };
  EXPECT_NE(error("nansha", Hengqin(), "", "").find("no journal of zone \"nansha\""),
            std::string::npos);
  std::string nansha = policy::LoadBuiltinProfile("nansha")->source_text;
  EXPECT_NE(error("hengqin", nansha, "", "").find("is for zone \"nansha\", not \"hengqin\""),
            std::string::npos);
  std::string malformed = Hengqin() + "\n[[lists]]\nname = \"x\"\nkind = \"planets\"\n";
  EXPECT_NE(error("hengqin", malformed, "", "").find("draft.toml:"), std::string::npos);
  EXPECT_NE(error("hengqin", Hengqin(), "2026-03-03", "2026-03-02").find("is after"),
            std::string::npos);
  EXPECT_NE(error("hengqin", Hengqin(), "2026-13-01", "").find("from"), std::string::npos);
}

}  // namespace
}  // namespace twoline::whatif
