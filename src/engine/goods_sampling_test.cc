// The sampling draw cannot be steered by cancelling (SPEC behaviour 11): a declarant whose
// declaration was selected for inspection may not withdraw it and declare the goods again for a new
// draw; an officer may cancel it, and its declarant may once the inspection has decided.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "engine/engine.h"
#include "policy/profile_loader.h"

namespace twoline::engine {
namespace {

class GoodsSampling : public testing::Test {
 protected:
  void SetUp() override {
    auto profile = policy::LoadBuiltinProfile("hengqin");
    ASSERT_TRUE(profile.ok());
    engine_.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
    // A dishonest party: 20% of its declarations are drawn for inspection.
    ASSERT_EQ(Run("reg-p", "", "register_party",
                  R"("party":{"id":"P-D","name":"Firm","kind":"enterprise","credit":"dishonest","lists":[]})")
                  .outcome,
              Outcome::kAccepted);
    ASSERT_EQ(Run("reg-oil", "", "register_item",
                  R"("item":{"sku":"OIL","hs_code":"3301.29","description":"d","unit":"kg"})")
                  .outcome,
              Outcome::kAccepted);
  }

  // Runs a command as an import (`role` empty) or stamped as the HTTP layer stamps a declarant's or
  // an officer's, with `nonce` as the server's random part of the draw.
  Decision Run(const std::string& id, const std::string& role, const std::string& type,
               const std::string& fields, int nonce = 0) {
    const std::string at = "2026-05-01T09:00:00+08:00";
    std::string json = R"({"id":")" + id + R"(","zone":"hengqin","at":")" + at +
                       R"(","type":")" + type + "\"," + fields + "}";
    Command command;
    ParseFailure failure;
    EXPECT_TRUE(ParseCommand(json, Limits{}, &command, &failure)) << failure.message << "\n" << json;
    if (!role.empty()) {
      Received stamp;
      stamp.at_text = at;
      stamp.role = role;
      stamp.token = role == "declarant" ? "tok_000000000001" : "tok_000000000002";
      if (role == "declarant") stamp.party = "P-D";
      char hex[33];
      std::snprintf(hex, sizeof hex, "%032x", nonce);
      stamp.nonce = hex;
      std::string error;
      EXPECT_TRUE(StampCommand(&command, stamp, at, &error)) << error;
    }
    return engine_.Execute(command);
  }

  // Declares as the declarant under ids D-<n> until one is drawn for inspection; its id.
  std::string DeclareUntilSampled() {
    for (int n = 1; n <= 200; ++n) {
      const std::string id = "D-" + std::to_string(next_++);
      Decision decision = Run("c-" + id, "declarant", "declare",
                              R"("declaration":{"id":")" + id +
                                  R"(","kind":"first_line_in","declarant":"P-D","lines":[{"sku":"OIL","qty":"10","value":"100.00","currency":"CNY","origin":"FR","certificates":[]}]})",
                              next_);
      if (decision.outcome == Outcome::kHeld) {
        EXPECT_EQ(decision.reasons.front().rule, "inspection.sampled");
        return id;
      }
      EXPECT_EQ(decision.outcome, Outcome::kAccepted);
    }
    ADD_FAILURE() << "no declaration drawn in 200 at a rate of 20%";
    return "";
  }

  Engine engine_;
  int next_ = 1;
};

TEST_F(GoodsSampling, ADeclarantCannotCancelADeclarationDrawnForInspection) {
  const std::string id = DeclareUntilSampled();
  ASSERT_FALSE(id.empty());
  Decision cancel = Run("x-" + id, "declarant", "cancel", R"("declaration":")" + id + "\"");
  EXPECT_EQ(cancel.outcome, Outcome::kRejected);
  ASSERT_FALSE(cancel.reasons.empty());
  EXPECT_EQ(cancel.reasons.front().rule, "cancel.under-inspection");
  EXPECT_NE(cancel.reasons.front().detail.find(id), std::string::npos);
  // Once the inspection has decided, the declarant may withdraw it.
  ASSERT_EQ(Run("i-" + id, "officer", "inspect", R"("declaration":")" + id + R"(","result":"pass")").outcome,
            Outcome::kAccepted);
  EXPECT_EQ(Run("y-" + id, "declarant", "cancel", R"("declaration":")" + id + "\"").outcome,
            Outcome::kAccepted);
}

TEST_F(GoodsSampling, AnOfficerOrAnImportMayCancelADeclarationDrawnForInspection) {
  const std::string first = DeclareUntilSampled();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(Run("x-" + first, "officer", "cancel", R"("declaration":")" + first + "\"").outcome,
            Outcome::kAccepted);
  const std::string second = DeclareUntilSampled();
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(Run("x-" + second, "", "cancel", R"("declaration":")" + second + "\"").outcome,
            Outcome::kAccepted);
}

}  // namespace
}  // namespace twoline::engine
