// Document names (engine/goods_state.h): declaration and process ids are each party's own. Two
// parties may use one id; a declarant names only its own documents and learns nothing of another's;
// an officer names a shared id as ID@PARTY; answers show the id alone; a snapshot keeps all of it.
#include <gtest/gtest.h>

#include <memory>

#include "base/binary.h"
#include "engine/engine.h"
#include "engine/goods_queries.h"
#include "policy/profile_loader.h"

namespace twoline::engine {
namespace {

std::string Line(const std::string& qty) {
  return R"({"sku":"OIL","qty":")" + qty +
         R"(","value":"100.00","currency":"CNY","origin":"FR","certificates":[]})";
}

class GoodsNames : public testing::Test {
 protected:
  void SetUp() override {
    auto profile = policy::LoadBuiltinProfile("hengqin");
    ASSERT_TRUE(profile.ok());
    engine_.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
    for (const char* party : {"P-A", "P-B", "P-C"}) {
      ASSERT_EQ(Run("reg-" + std::string(party), "", "register_party",
                    R"("party":{"id":")" + std::string(party) +
                        R"(","name":"Firm","kind":"enterprise","credit":"advanced","lists":[]})")
                    .outcome,
                Outcome::kAccepted);
    }
    ASSERT_EQ(Run("reg-oil", "", "register_item",
                  R"("item":{"sku":"OIL","hs_code":"3301.29","description":"d","unit":"kg"})")
                  .outcome,
              Outcome::kAccepted);
    ASSERT_EQ(Run("reg-cream", "", "register_item",
                  R"("item":{"sku":"CREAM","hs_code":"3304.99","description":"d","unit":"kg"})")
                  .outcome,
              Outcome::kAccepted);
  }

  // Runs a command as an import (`party` empty) or as the declarant of `party` (stamped as the
  // HTTP layer stamps it, so that the command's id scope and names are the party's).
  Decision Run(const std::string& id, const std::string& party, const std::string& type,
               const std::string& fields) {
    const std::string at = "2026-05-01T09:00:00+08:00";
    std::string json = R"({"id":")" + id + R"(","zone":"hengqin","at":")" + at +
                       R"(","type":")" + type + "\"," + fields + "}";
    Command command;
    ParseFailure failure;
    EXPECT_TRUE(ParseCommand(json, Limits{}, &command, &failure)) << failure.message << "\n" << json;
    if (!party.empty()) {
      Received stamp;
      stamp.at_text = at;
      stamp.role = "declarant";
      stamp.token = "tok_000000000001";
      stamp.party = party;
      stamp.nonce = std::string(32, '0');
      std::string error;
      EXPECT_TRUE(StampCommand(&command, stamp, at, &error)) << error;
    }
    return engine_.Execute(command);
  }
  Decision Declare(const std::string& id, const std::string& declaration, const std::string& party,
                   const std::string& by = "") {
    return Run(id, by, "declare",
               R"("declaration":{"id":")" + declaration +
                   R"(","kind":"first_line_in","declarant":")" + party + R"(","lines":[)" +
                   Line("10") + "]}");
  }
  Decision Release(const std::string& id, const std::string& name) {
    return Run(id, "", "release", R"("gate":"HQ-L1-GDS-01","declarations":[")" + name + "\"]");
  }
  Decision Cancel(const std::string& id, const std::string& name, const std::string& by) {
    return Run(id, by, "cancel", R"("declaration":")" + name + "\"");
  }
  const GoodsState& goods() const { return engine_.state().goods; }
  static std::string Detail(const Decision& decision) {
    return decision.reasons.empty() ? "" : decision.reasons.front().detail;
  }

  Engine engine_;
};

TEST_F(GoodsNames, TwoPartiesUseOneIdAndNeitherBlocksTheOther) {
  ASSERT_EQ(Declare("c1", "D-1", "P-A", "P-A").outcome, Outcome::kAccepted);
  Decision second = Declare("c1", "D-1", "P-B", "P-B");
  ASSERT_EQ(second.outcome, Outcome::kAccepted) << Detail(second);
  // The second holder's document is keyed ID@PARTY; its answer does not say so.
  ASSERT_NE(goods().FindDeclaration("D-1"), nullptr);
  EXPECT_EQ(goods().FindDeclaration("D-1")->declarant, "P-A");
  ASSERT_NE(goods().FindDeclaration("D-1@P-B"), nullptr);
  EXPECT_EQ(goods().FindDeclaration("D-1@P-B")->declarant, "P-B");
  EXPECT_EQ(CanonicalDecisionJson(second).find('@'), std::string::npos) << CanonicalDecisionJson(second);
  // A party reusing its own id is told so; a third party is not blocked either.
  Decision again = Declare("c2", "D-1", "P-B", "P-B");
  EXPECT_EQ(again.outcome, Outcome::kInvalid);
  EXPECT_NE(Detail(again).find("already used"), std::string::npos) << Detail(again);
  EXPECT_EQ(Declare("c3", "D-1", "P-A").outcome, Outcome::kInvalid) << "an import, the same rule";
  EXPECT_EQ(Declare("c4", "D-1", "P-C").outcome, Outcome::kAccepted);
  EXPECT_EQ(goods().shared_ids.at("D-1"), (std::vector<std::string>{"P-B", "P-C"}));
}

TEST_F(GoodsNames, ADeclarantNamesOnlyItsOwnDocuments) {
  ASSERT_EQ(Declare("c1", "D-1", "P-A", "P-A").outcome, Outcome::kAccepted);
  ASSERT_EQ(Declare("c1", "D-1", "P-B", "P-B").outcome, Outcome::kAccepted);
  ASSERT_EQ(Declare("c2", "D-2", "P-A", "P-A").outcome, Outcome::kAccepted);
  // P-B's "D-1" is its own, whichever holder came first.
  ASSERT_EQ(Cancel("x1", "D-1", "P-B").outcome, Outcome::kAccepted);
  EXPECT_EQ(goods().FindDeclaration("D-1@P-B")->state, DeclarationState::kCancelled);
  EXPECT_EQ(goods().FindDeclaration("D-1")->state, DeclarationState::kAccepted);
  // Another party's document, by its id or its full name, is unknown, in the words an id nobody
  // used gets.
  Decision other = Cancel("x2", "D-2", "P-B");
  Decision none = Cancel("x3", "D-9", "P-B");
  EXPECT_EQ(other.outcome, Outcome::kInvalid);
  EXPECT_EQ(Detail(other), "unknown declaration \"D-2\"");
  EXPECT_EQ(Detail(none), "unknown declaration \"D-9\"");
  EXPECT_EQ(Detail(Cancel("x4", "D-1@P-A", "P-B")), "unknown declaration \"D-1@P-A\"");
  EXPECT_EQ(goods().FindDeclaration("D-2")->state, DeclarationState::kAccepted);
  // Its own full name is accepted too.
  ASSERT_EQ(Cancel("x5", "D-1@P-A", "P-A").outcome, Outcome::kAccepted);
}

TEST_F(GoodsNames, AnOfficerNamesASharedIdWithItsParty) {
  ASSERT_EQ(Declare("c1", "D-1", "P-A", "P-A").outcome, Outcome::kAccepted);
  ASSERT_EQ(Declare("c1", "D-1", "P-B", "P-B").outcome, Outcome::kAccepted);
  Decision ambiguous = Release("r1", "D-1");
  EXPECT_EQ(ambiguous.outcome, Outcome::kInvalid);
  EXPECT_EQ(Detail(ambiguous),
            "declaration id \"D-1\" is used by several parties (P-A, P-B): name one as D-1@PARTY");
  Decision released = Release("r2", "D-1@P-B");
  ASSERT_EQ(released.outcome, Outcome::kAccepted) << Detail(released);
  EXPECT_EQ(goods().FindDeclaration("D-1@P-B")->state, DeclarationState::kReleased);
  EXPECT_EQ(goods().FindDeclaration("D-1")->state, DeclarationState::kAccepted);
  // The first holder's full name names the same document as its id would.
  ASSERT_EQ(Release("r3", "D-1@P-A").outcome, Outcome::kAccepted);
  EXPECT_EQ(goods().FindDeclaration("D-1")->state, DeclarationState::kReleased);
  // One document named twice is listed twice.
  ASSERT_EQ(Declare("c2", "D-2", "P-A", "P-A").outcome, Outcome::kAccepted);
  Decision twice = Run("r4", "", "release",
                       R"("gate":"HQ-L1-GDS-01","declarations":["D-2","D-2@P-A"])");
  EXPECT_EQ(twice.outcome, Outcome::kInvalid);
  EXPECT_EQ(Detail(twice), "declaration \"D-2@P-A\" listed twice");
  // A name that is neither an id nor ID@PARTY is malformed.
  Command command;
  ParseFailure failure;
  EXPECT_FALSE(ParseCommand(
      R"({"id":"r5","zone":"hengqin","at":"2026-05-01T09:00:00+08:00","type":"cancel","declaration":"D-1@P-B@P-C"})",
      Limits{}, &command, &failure));
  EXPECT_EQ(failure.path, "$.declaration");
}

TEST_F(GoodsNames, AnswersShowTheIdAlone) {
  ASSERT_EQ(Declare("c1", "D-1", "P-A", "P-A").outcome, Outcome::kAccepted);
  ASSERT_EQ(Declare("c1", "D-1", "P-B", "P-B").outcome, Outcome::kAccepted);
  ASSERT_EQ(Release("r1", "D-1@P-B").outcome, Outcome::kAccepted);
  // The ledger knows the document by its key; the views show its id.
  EXPECT_EQ(goods().ledger.lots().back().created_by, "D-1@P-B");
  for (const std::string& json :
       {DeclarationJson(engine_, "D-1@P-B"), DeclarationSummaryJson(engine_, "D-1@P-B"),
        BalanceJson(engine_, "P-B"), TraceJson(engine_, "D-1@P-B")}) {
    ASSERT_FALSE(json.empty());
    EXPECT_EQ(json.find('@'), std::string::npos) << json;
    EXPECT_EQ(json.find("P-A"), std::string::npos) << json;
  }
  EXPECT_NE(DeclarationJson(engine_, "D-1@P-B").find(R"("id":"D-1")"), std::string::npos);
}

TEST_F(GoodsNames, ProcessesShareTheirPartysNamespace) {
  ASSERT_EQ(Declare("c1", "D-1", "P-A", "P-A").outcome, Outcome::kAccepted);
  ASSERT_EQ(Release("r1", "D-1").outcome, Outcome::kAccepted);
  ASSERT_EQ(Declare("c2", "D-1", "P-B", "P-B").outcome, Outcome::kAccepted);
  ASSERT_EQ(Release("r2", "D-1@P-B").outcome, Outcome::kAccepted);
  auto process = [&](const std::string& id, const std::string& name, const std::string& party) {
    return Run(id, party, "process",
               R"("process":{"id":")" + name + R"(","declarant":")" + party +
                   R"(","inputs":[{"sku":"OIL","qty":"1"}],"outputs":[{"sku":"CREAM","qty":"1"}]})");
  };
  EXPECT_EQ(process("p1", "D-1", "P-A").outcome, Outcome::kInvalid) << "its own declaration's id";
  ASSERT_EQ(process("p2", "PR-1", "P-A").outcome, Outcome::kAccepted);
  ASSERT_EQ(process("p2", "PR-1", "P-B").outcome, Outcome::kAccepted);
  ASSERT_NE(goods().FindProcess("PR-1@P-B"), nullptr);
  EXPECT_EQ(goods().FindProcess("PR-1@P-B")->declarant, "P-B");
}

TEST_F(GoodsNames, ASnapshotKeepsTheNamesAndTheStateHash) {
  ASSERT_EQ(Declare("c1", "D-1", "P-A", "P-A").outcome, Outcome::kAccepted);
  ASSERT_EQ(Declare("c1", "D-1", "P-B", "P-B").outcome, Outcome::kAccepted);
  std::string bytes;
  BinaryWriter out(&bytes);
  engine_.SaveSnapshot(out);
  Engine restored;
  BinaryReader in(bytes);
  ASSERT_TRUE(restored.LoadSnapshot(in).ok());
  EXPECT_EQ(restored.StateHash(), engine_.StateHash());
  EXPECT_EQ(restored.state().goods.shared_ids, goods().shared_ids);
  std::string error;
  EXPECT_EQ(restored.state().goods.ResolveDocument("D-1", "", &error), "");
  EXPECT_NE(error.find("several parties"), std::string::npos);
  EXPECT_EQ(restored.state().goods.ResolveDocument("D-1", "P-B", &error), "D-1@P-B");
  EXPECT_EQ(restored.state().goods.NewDocumentKey("P-B", "D-1"), "");
  EXPECT_EQ(restored.state().goods.NewDocumentKey("P-C", "D-1"), "D-1@P-C");
}

}  // namespace
}  // namespace twoline::engine
