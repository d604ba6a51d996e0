// Goods engine tests: the pieces under the scenarios (rule matching, sampling, radiation,
// assessment arithmetic) and what scenarios cannot see (lots, postings, traces, queries, the state
// hash).
#include <gtest/gtest.h>

#include <memory>

#include "base/decimal.h"
#include "engine/engine.h"
#include "engine/goods_assess.h"
#include "engine/goods_queries.h"
#include "engine/goods_rules.h"
#include "policy/profile_loader.h"

namespace twoline::engine {
namespace {

// An engine on a built-in profile, fed JSON commands.
class Zone {
 public:
  explicit Zone(const std::string& zone) : zone_(zone) {
    auto profile = policy::LoadBuiltinProfile(zone);
    EXPECT_TRUE(profile.ok()) << (profile.ok() ? "" : profile.error().message);
    engine_.PutProfileInForce(std::make_shared<policy::Profile>(*profile));
  }

  Decision Run(const std::string& id, const std::string& at, const std::string& type,
               const std::string& fields) {
    std::string json = "{\"id\":\"" + id + "\",\"zone\":\"" + zone_ + "\",\"at\":\"" + at +
                       "\",\"type\":\"" + type + "\"," + fields + "}";
    Command command;
    ParseFailure failure;
    EXPECT_TRUE(ParseCommand(json, Limits{}, &command, &failure)) << failure.message << "\n"
                                                                  << json;
    return engine_.Execute(command);
  }
  void Party(const std::string& id, const std::string& lists = "") {
    Run("reg-" + id, "2026-01-01T08:00:00+08:00", "register_party",
        "\"party\":{\"id\":\"" + id + "\",\"name\":\"" + id +
            "\",\"kind\":\"enterprise\",\"credit\":\"advanced\",\"lists\":[" + lists + "]}");
  }
  void Item(const std::string& sku, const std::string& hs) {
    Run("reg-" + sku, "2026-01-01T08:00:00+08:00", "register_item",
        "\"item\":{\"sku\":\"" + sku + "\",\"hs_code\":\"" + hs +
            "\",\"description\":\"d\",\"unit\":\"kg\"}");
  }
  Decision Declare(const std::string& id, const std::string& declaration, const std::string& kind,
                   const std::string& declarant, const std::string& lines,
                   const std::string& extra = "") {
    return Run(id, "2026-05-01T09:00:00+08:00", "declare",
               "\"declaration\":{\"id\":\"" + declaration + "\",\"kind\":\"" + kind +
                   "\",\"declarant\":\"" + declarant + "\"" + extra + ",\"lines\":[" + lines +
                   "]}");
  }
  Decision Release(const std::string& id, const std::string& gate, const std::string& declaration) {
    return Run(id, "2026-05-01T10:00:00+08:00", "release",
               "\"gate\":\"" + gate + "\",\"declarations\":[\"" + declaration + "\"]");
  }
  Decision Process(const std::string& id, const std::string& process_id, const std::string& party,
                   const std::string& inputs, const std::string& outputs) {
    return Run(id, "2026-05-02T09:00:00+08:00", "process",
               "\"process\":{\"id\":\"" + process_id + "\",\"declarant\":\"" + party +
                   "\",\"inputs\":[" + inputs + "],\"outputs\":[" + outputs + "]}");
  }
  Engine& engine() { return engine_; }
  const ledger::Ledger& ledger() const { return engine_.state().goods.ledger; }

 private:
  std::string zone_;
  Engine engine_;
};

std::string Line(const std::string& sku, const std::string& qty, const std::string& value,
                 const std::string& origin = "FR") {
  return "{\"sku\":\"" + sku + "\",\"qty\":\"" + qty + "\",\"value\":\"" + value +
         "\",\"currency\":\"CNY\",\"origin\":\"" + origin + "\",\"certificates\":[]}";
}

std::string Sku(const std::string& sku, const std::string& qty) {
  return "{\"sku\":\"" + sku + "\",\"qty\":\"" + qty + "\"}";
}

// A Hengqin zone with oil admitted in three lots of different values and released.
class GoodsHengqin : public testing::Test {
 protected:
  void SetUp() override {
    zone_.Party("P-LAB");
    zone_.Party("P-TWO");
    zone_.Item("OIL", "3301.29");
    zone_.Item("CREAM", "3304.99");
    ASSERT_EQ(
        zone_.Declare("d1", "D-IN1", "first_line_in", "P-LAB", Line("OIL", "10", "100.00")).outcome,
        Outcome::kAccepted);
    ASSERT_EQ(
        zone_.Declare("d2", "D-IN2", "first_line_in", "P-LAB", Line("OIL", "10", "300.00")).outcome,
        Outcome::kAccepted);
    ASSERT_EQ(
        zone_.Declare("d3", "D-IN3", "first_line_in", "P-LAB", Line("OIL", "10", "500.00")).outcome,
        Outcome::kAccepted);
    for (const char* id : {"D-IN1", "D-IN2", "D-IN3"}) {
      ASSERT_EQ(zone_.Release(std::string("r-") + id, "HQ-L1-GDS-01", id).outcome,
                Outcome::kAccepted);
    }
  }
  Zone zone_{"hengqin"};
};

TEST_F(GoodsHengqin, ReleaseCreatesOneLotPerLineInStatusBonded) {
  ASSERT_EQ(zone_.ledger().lots().size(), 3u);
  EXPECT_EQ(zone_.ledger().lots()[1].created_by, "D-IN2");
  EXPECT_EQ(zone_.ledger().lots()[1].status, ledger::Status::kBonded);
  EXPECT_EQ(zone_.ledger().lots()[1].on_hand.imported_input_fen, 30000);
  EXPECT_TRUE(zone_.engine().state().goods.HasStock("OIL"));
  EXPECT_FALSE(zone_.engine().state().goods.HasStock("CREAM"));
  zone_.ledger().CheckAllInvariants();
}

// A command's cost grows with the lots it takes, so one document takes at most
// kSlicesPerDocumentMax of them, however many the party holds: beyond, it is refused when the walk
// reaches the bound (ledger.limit-exceeded), for a declaration, a process and a stocktake alike.
TEST_F(GoodsHengqin, ADocumentTakesAtMostTenThousandLots) {
  zone_.Item("GRAIN", "1001.99");
  std::string lines;
  for (int i = 0; i < 400; ++i) lines += (i ? "," : "") + Line("GRAIN", "1", "1.00");
  for (int d = 0; d < 26; ++d) {  // 10,400 lots of one kilo (a command is at most 64 KiB)
    const std::string id = "D-GRAIN-" + std::to_string(d);
    ASSERT_EQ(zone_.Declare("g" + std::to_string(d), id, "first_line_in", "P-TWO", lines).outcome,
              Outcome::kAccepted);
    ASSERT_EQ(zone_.Release("gr" + std::to_string(d), "HQ-L1-GDS-01", id).outcome,
              Outcome::kAccepted);
  }
  const size_t max = ledger::kSlicesPerDocumentMax;
  const std::string over = std::to_string(max + 1);
  Decision declaration = zone_.Declare("o1", "D-OUT-BIG", "transfer", "P-TWO",
                                       Line("GRAIN", over, "1.00"), ",\"counterparty\":\"P-LAB\"");
  ASSERT_EQ(declaration.outcome, Outcome::kRejected);
  EXPECT_EQ(declaration.reasons.at(0).rule, "ledger.limit-exceeded");
  EXPECT_NE(declaration.reasons.at(0).detail.find("more than 10000 lots"), std::string::npos);
  Decision process = zone_.Process("p1", "PR-BIG", "P-TWO", Sku("GRAIN", over), Sku("CREAM", "1"));
  ASSERT_EQ(process.outcome, Outcome::kRejected);
  EXPECT_EQ(process.reasons.at(0).rule, "ledger.limit-exceeded");
  Decision count = zone_.Run("k1", "2026-05-03T09:00:00+08:00", "stocktake",
                             R"("party":"P-TWO","counts":[{"sku":"GRAIN","qty":"100"}])");
  ASSERT_EQ(count.outcome, Outcome::kRejected);
  EXPECT_EQ(count.reasons.at(0).rule, "ledger.limit-exceeded");
  // Exactly at the bound is taken.
  EXPECT_EQ(zone_.Declare("o2", "D-OUT-MAX", "transfer", "P-TWO",
                          Line("GRAIN", std::to_string(max), "1.00"), ",\"counterparty\":\"P-LAB\"")
                .outcome,
            Outcome::kAccepted);
  zone_.ledger().CheckAllInvariants();
}

// The ban check follows a line's history up to a bound; goods whose history is longer cannot be
// shown to be outside a ban that covers them, so padding a line with thousands of tiny lots of
// another origin does not carry banned fish past it. Goods no ban covers are not concerned.
TEST_F(GoodsHengqin, PaddingALineWithTinyLotsDoesNotHideBannedGoods) {
  zone_.Item("FISH", "0303.89");
  ASSERT_EQ(zone_.Run("j1", "2025-09-01T09:00:00+08:00", "declare",
                      R"("declaration":{"id":"D-JP","kind":"first_line_in","declarant":"P-TWO",)"
                      R"("lines":[{"sku":"FISH","qty":"1000","value":"100000.00","currency":"CNY",)"
                      R"("origin":"JP-01","produced_on":"2025-08-01","certificates":["health","origin","radioactive_test"]}]})")
                .outcome,
            Outcome::kAccepted);
  ASSERT_EQ(zone_.Run("j2", "2025-09-01T10:00:00+08:00", "release",
                      R"("gate":"HQ-L1-GDS-01","declarations":["D-JP"])")
                .outcome,
            Outcome::kAccepted);
  auto out = [&](const std::string& id, const std::string& qty) {
    return zone_.Declare(id, "D-" + id, "second_line_out", "P-TWO", Line("FISH", qty, "1000.00", "NO"));
  };
  std::string lines;
  for (int i = 0; i < 400; ++i) lines += (i ? "," : "") + Line("FISH", "0.001", "0.01", "NO");
  for (int d = 0; d < 11; ++d) {  // 4,400 lots of Norwegian fish, a gram each
    const std::string id = "D-PAD-" + std::to_string(d);
    ASSERT_EQ(zone_.Declare("pad" + std::to_string(d), id, "first_line_in", "P-TWO", lines).outcome,
              Outcome::kAccepted);
    ASSERT_EQ(zone_.Release("padr" + std::to_string(d), "HQ-L1-GDS-01", id).outcome,
              Outcome::kAccepted);
  }
  Decision padded = out("o1", "1004.4");
  ASSERT_EQ(padded.outcome, Outcome::kRejected);
  ASSERT_FALSE(padded.reasons.empty());
  EXPECT_NE(padded.reasons[0].rule.find("jp-aquatic"), std::string::npos) << padded.reasons[0].rule;
  // Oil is covered by no ban: a long history is no reason to refuse it.
  for (int d = 0; d < 11; ++d) {
    std::string oil;
    for (int i = 0; i < 400; ++i) oil += (i ? "," : "") + Line("OIL", "0.001", "0.01", "NO");
    const std::string id = "D-OPAD-" + std::to_string(d);
    ASSERT_EQ(zone_.Declare("opad" + std::to_string(d), id, "first_line_in", "P-TWO", oil).outcome,
              Outcome::kAccepted);
    ASSERT_EQ(zone_.Release("opadr" + std::to_string(d), "HQ-L1-GDS-01", id).outcome,
              Outcome::kAccepted);
  }
  EXPECT_EQ(zone_.Declare("o2", "D-OIL-OUT", "second_line_out", "P-TWO",
                          Line("OIL", "4.4", "1000.00", "NO"))
                .outcome,
            Outcome::kAccepted);
}

TEST_F(GoodsHengqin, ProcessingTakesLotsFirstInFirstOutAndCarriesTheirImportedValue) {
  Decision decision = zone_.Process("p1", "PR-1", "P-LAB", Sku("OIL", "15"), Sku("CREAM", "100"));
  ASSERT_EQ(decision.outcome, Outcome::kAccepted);
  const ledger::Lot& cream = zone_.ledger().lots().back();
  EXPECT_EQ(cream.spec.sku, "CREAM");
  EXPECT_TRUE(cream.spec.processed);
  EXPECT_EQ(cream.spec.source, ledger::LotSource::kProcess);
  // 10 kg of the 100.00 lot and 5 kg of the 300.00 lot.
  EXPECT_EQ(cream.on_hand.imported_input_fen, 10000 + 15000);
  ASSERT_EQ(cream.spec.parents.size(), 2u);
  EXPECT_EQ(cream.spec.parents[0].lot, 1u);
  EXPECT_EQ(cream.spec.parents[1].lot, 2u);
  EXPECT_EQ(cream.spec.parents[1].quantity_milli, 5000);
  zone_.ledger().CheckAllInvariants();
}

TEST_F(GoodsHengqin, ATraceEndsInTheAdmissionsTheGoodsCameFrom) {
  zone_.Process("p1", "PR-1", "P-LAB", Sku("OIL", "15"), Sku("CREAM", "100"));
  ASSERT_EQ(zone_
                .Declare("t1", "D-T", "transfer", "P-LAB", Line("CREAM", "40", "1.00"),
                         ",\"counterparty\":\"P-TWO\"")
                .outcome,
            Outcome::kAccepted);
  ASSERT_EQ(
      zone_.Declare("o1", "D-OUT", "second_line_out", "P-TWO", Line("CREAM", "40", "800.00", "CN"))
          .outcome,
      Outcome::kAccepted);
  std::string trace = TraceJson(zone_.engine(), "D-OUT");
  EXPECT_NE(trace.find("\"admissions\":[{\"lot\":1,\"declaration\":\"D-IN1\""), std::string::npos)
      << trace;
  EXPECT_NE(trace.find("\"declaration\":\"D-IN2\""), std::string::npos);
  EXPECT_EQ(trace.find("\"declaration\":\"D-IN3\""), std::string::npos);  // not used
  EXPECT_NE(trace.find("\"source\":\"transfer\""), std::string::npos);
  EXPECT_NE(trace.find("\"truncated\":false"), std::string::npos);
  EXPECT_EQ(TraceJson(zone_.engine(), "NO-SUCH"), "");
  EXPECT_NE(TraceTable(zone_.engine(), "D-OUT").find("admissions: D-IN1 (lot 1) D-IN2 (lot 2)"),
            std::string::npos);
}

TEST_F(GoodsHengqin, BalanceShowsReservedFreeAndLotsInFifoOrder) {
  zone_.Declare("o1", "D-OUT", "second_line_out", "P-LAB", Line("OIL", "12", "1000.00"));
  std::string balance = BalanceJson(zone_.engine(), "P-LAB");
  EXPECT_NE(balance.find("{\"sku\":\"OIL\",\"status\":\"bonded\",\"quantity\":\"30\",\"value\":"
                         "\"900.00\",\"reserved\":\"12\",\"free\":\"18\",\"incoming\":\"0\"}"),
            std::string::npos)
      << balance;
  EXPECT_LT(balance.find("\"lot\":1"), balance.find("\"lot\":2"));
  EXPECT_EQ(BalanceJson(zone_.engine(), "P-NOBODY"), "");
  EXPECT_NE(BalanceTable(zone_.engine(), "P-LAB").find("OIL"), std::string::npos);
}

TEST_F(GoodsHengqin, DeclarationViewHasDecisionPendingPostingsAndTrace) {
  zone_.Declare("o1", "D-OUT", "second_line_out", "P-LAB", Line("OIL", "12", "1000.00"));
  std::string pending = DeclarationJson(zone_.engine(), "D-OUT");
  EXPECT_NE(pending.find("\"state\":\"accepted\""), std::string::npos) << pending;
  EXPECT_NE(pending.find("\"reserved\":[{\"lot\":1,\"quantity\":\"10\""), std::string::npos);
  EXPECT_NE(pending.find("\"customs_duty\":\"30.00\""), std::string::npos);  // 3% of 1000.00
  ASSERT_EQ(zone_.Release("r-out", "HQ-L2-GDS-01", "D-OUT").outcome, Outcome::kAccepted);
  std::string released = DeclarationJson(zone_.engine(), "D-OUT");
  EXPECT_NE(released.find("\"released_gate\":\"HQ-L2-GDS-01\""), std::string::npos) << released;
  EXPECT_NE(released.find("\"pending\":null"), std::string::npos);
  EXPECT_NE(released.find("\"account\":\"outside_second_line\""), std::string::npos);
  EXPECT_NE(released.find("\"what\":\"released\""), std::string::npos);
  EXPECT_EQ(DeclarationJson(zone_.engine(), "NO-SUCH"), "");
}

TEST_F(GoodsHengqin, ReportListsFlowsCollectionsAndOpenDeclarations) {
  zone_.Declare("o1", "D-OUT", "second_line_out", "P-LAB", Line("OIL", "12", "1000.00"));
  zone_.Release("r-out", "HQ-L2-GDS-01", "D-OUT");
  zone_.Declare("o2", "D-OPEN", "second_line_out", "P-LAB", Line("OIL", "1", "10.00"));
  Date day = *ParseDate("2026-05-01");
  std::string report = ReportJson(zone_.engine(), day, day);
  EXPECT_NE(report.find("{\"date\":\"2026-05-01\",\"line\":\"first\",\"direction\":\"in\","
                        "\"declarations\":3,\"lines\":3,\"value\":\"900.00\"}"),
            std::string::npos)
      << report;
  // duty 30.00, VAT 1030.00 x 0.13 = 133.90
  EXPECT_NE(report.find("\"collected\":{\"currency\":\"CNY\",\"customs_duty\":\"30.00\","
                        "\"import_vat\":\"133.90\",\"total\":\"163.90\",\"declarations\":1}"),
            std::string::npos);
  EXPECT_NE(report.find("\"open\":[{\"declaration\":\"D-OPEN\""), std::string::npos);
  std::string empty = ReportJson(zone_.engine(), day + 1, day + 1);
  EXPECT_NE(empty.find("\"flows\":[]"), std::string::npos);
  EXPECT_NE(ReportTable(zone_.engine(), day, day).find("COLLECTED"), std::string::npos);
}

TEST_F(GoodsHengqin, ReclassifyingAnItemWithStockIsRejected) {
  Decision decision = zone_.Run("reg-again", "2026-05-03T09:00:00+08:00", "register_item",
                                "\"item\":{\"sku\":\"OIL\",\"hs_code\":\"3302.10\","
                                "\"description\":\"d\",\"unit\":\"kg\"}");
  EXPECT_EQ(decision.outcome, Outcome::kRejected);
}

TEST_F(GoodsHengqin, StateHashChangesWithGoodsAndNotWithQueries) {
  Hash256 before = zone_.engine().StateHash();
  BalanceJson(zone_.engine(), "P-LAB");
  EXPECT_EQ(zone_.engine().StateHash(), before);
  zone_.Declare("o1", "D-OUT", "second_line_out", "P-LAB", Line("OIL", "1", "10.00"));
  EXPECT_NE(zone_.engine().StateHash(), before);
}

TEST_F(GoodsHengqin, OutputsShareTheInputsValueByQuantity) {
  zone_.Item("CRUMBS", "1905.40");
  // 15 kg: 100.00 + 150.00 = 250.00 of imported input, for 100 jars and 25 kg of crumbs.
  ASSERT_EQ(zone_
                .Process("p1", "PR-1", "P-LAB", Sku("OIL", "15"),
                         Sku("CREAM", "100") + "," + Sku("CRUMBS", "25"))
                .outcome,
            Outcome::kAccepted);
  const auto& lots = zone_.ledger().lots();
  const ledger::Lot& cream = lots[lots.size() - 2];
  const ledger::Lot& crumbs = lots.back();
  EXPECT_EQ(cream.on_hand.value_fen, 20000);  // 100 / 125 of 250.00
  EXPECT_EQ(crumbs.on_hand.value_fen, 5000);
  EXPECT_EQ(cream.on_hand.imported_input_fen + crumbs.on_hand.imported_input_fen, 25000);
  EXPECT_EQ(crumbs.spec.parents.size(), 2u);
  zone_.ledger().CheckAllInvariants();
}

TEST_F(GoodsHengqin, AFailedOutboundInspectionRefusesTheReservedGoods) {
  // P-LAB becomes dishonest (20% sampling); take the first command id the draw selects.
  zone_.Run("reg-bad", "2026-01-01T08:00:00+08:00", "register_party",
            "\"party\":{\"id\":\"P-LAB\",\"name\":\"P-LAB\",\"kind\":\"enterprise\","
            "\"credit\":\"dishonest\",\"lists\":[]}");
  std::string id;
  for (int i = 0; id.empty(); ++i) {
    std::string candidate = "out-" + std::to_string(i);
    if (SamplingDraw("hengqin", candidate) < 200000) id = candidate;
  }
  Decision held =
      zone_.Declare(id, "D-OUT", "second_line_out", "P-LAB", Line("OIL", "12", "100.00"));
  ASSERT_EQ(held.outcome, Outcome::kHeld);
  ASSERT_TRUE(held.assessment.has_value());
  Decision failed = zone_.Run("i1", "2026-05-01T11:00:00+08:00", "inspect",
                              "\"declaration\":\"D-OUT\",\"result\":\"fail\"");
  ASSERT_EQ(failed.outcome, Outcome::kAccepted);
  ledger::Balance refused = zone_.ledger().AccountBalance(
      ledger::AccountKey::Internal("P-LAB", "OIL", ledger::Status::kRefused));
  EXPECT_EQ(refused.quantity_milli, 12000);
  EXPECT_EQ(refused.value_fen, 10000 + 2 * 3000);  // all of lot 1 and 2 kg of lot 2
  const ledger::Lot& child = zone_.ledger().lots().back();
  EXPECT_EQ(child.spec.source, ledger::LotSource::kStatusChange);
  EXPECT_EQ(child.spec.parents[0].lot, 2u);
  EXPECT_EQ(zone_.ledger().FindPending("D-OUT"), nullptr);
  zone_.ledger().CheckAllInvariants();
}

// P-F's 20 kg of scallops from JP-02 (CNY 3,000.00), held at hetao-hk for the radiation test as
// D-SC.
void HoldScallops(Zone& zone) {
  zone.Party("P-F");
  zone.Item("SCALLOP", "0307.22");
  std::string line =
      "{\"sku\":\"SCALLOP\",\"qty\":\"20\",\"value\":\"3000.00\",\"currency\":"
      "\"CNY\",\"origin\":\"JP-02\",\"produced_on\":\"2026-01-01\"}";
  ASSERT_EQ(zone.Declare("d1", "D-SC", "first_line_in", "P-F", line).outcome, Outcome::kHeld);
}

TEST(GoodsHetaoHk, CancellingAHeldAdmissionReturnsTheGoods) {
  Zone zone("hetao-hk");
  ASSERT_NO_FATAL_FAILURE(HoldScallops(zone));
  ledger::AccountKey held = ledger::AccountKey::Internal("P-F", "SCALLOP", ledger::Status::kHeld);
  EXPECT_EQ(zone.ledger().AccountBalance(held).quantity_milli, 20000);
  EXPECT_EQ(zone.ledger().lots()[0].spec.release_status, ledger::Status::kDutyPaid);
  // In custody: on hand, nothing reserved, and nothing free (held goods are never free).
  std::string balance = BalanceJson(zone.engine(), "P-F");
  EXPECT_NE(balance.find("{\"sku\":\"SCALLOP\",\"status\":\"held\",\"quantity\":\"20\",\"value\":"
                         "\"3000.00\",\"reserved\":\"0\",\"free\":\"0\",\"incoming\":\"0\"}"),
            std::string::npos)
      << balance;
  std::string table = BalanceTable(zone.engine(), "P-F");
  EXPECT_NE(table.find("held                   20              0              0"), std::string::npos)
      << table;
  ASSERT_EQ(
      zone.Run("c1", "2026-05-01T12:00:00+08:00", "cancel", "\"declaration\":\"D-SC\"").outcome,
      Outcome::kAccepted);
  EXPECT_EQ(zone.ledger().AccountBalance(held).quantity_milli, 0);
  ledger::Balance outside = zone.ledger().AccountBalance(
      ledger::AccountKey::Outside("P-F", "SCALLOP", ledger::External::kOutsideFirstLine));
  EXPECT_EQ(outside.quantity_milli, 0);  // in and back out again
  EXPECT_FALSE(zone.engine().state().goods.HasStock("SCALLOP"));
  zone.ledger().CheckAllInvariants();
}

TEST(GoodsHetaoHk, AStocktakeShortageNeverTakesGoodsHeldForInspection) {
  Zone zone("hetao-hk");
  ASSERT_NO_FATAL_FAILURE(HoldScallops(zone));
  Decision stocktake = zone.Run("k1", "2026-05-01T12:00:00+08:00", "stocktake",
                                "\"party\":\"P-F\",\"counts\":[{\"sku\":\"SCALLOP\",\"qty\":\"4\"}]");
  EXPECT_EQ(stocktake.outcome, Outcome::kRejected);
  ASSERT_FALSE(stocktake.reasons.empty());
  EXPECT_EQ(stocktake.reasons[0].rule, "stocktake.shortage-exceeds-free");
  ledger::AccountKey held = ledger::AccountKey::Internal("P-F", "SCALLOP", ledger::Status::kHeld);
  EXPECT_EQ(zone.ledger().AccountBalance(held).quantity_milli, 20000) << "custody is untouched";
  zone.ledger().CheckAllInvariants();
}

TEST(GoodsRules, OriginsCoverTheirSubdivisions) {
  EXPECT_TRUE(OriginWithin("JP-04", "JP"));
  EXPECT_TRUE(OriginWithin("JP", "JP"));
  EXPECT_TRUE(OriginWithin("JP-04", "JP-04"));
  EXPECT_FALSE(OriginWithin("JP", "JP-04"));
  EXPECT_FALSE(OriginWithin("JP-04", "JP-40"));
  EXPECT_FALSE(OriginWithin("JPN", "JP"));
}

TEST(GoodsRules, SamplingDrawIsPinnedAndDependsOnZoneAndId) {
  // Pinned: changing the draw would change which past declarations replay as sampled.
  EXPECT_EQ(SamplingDraw("hengqin", "ex2-d1"), 152365);
  EXPECT_EQ(SamplingDraw("qianhai", "q-s365"), 849);
  EXPECT_NE(SamplingDraw("nansha", "ex2-d1"), SamplingDraw("hengqin", "ex2-d1"));
  EXPECT_EQ(FormatPercent(30000), "3%");
  EXPECT_EQ(FormatPercent(5000), "0.5%");
}

TEST(GoodsRules, RadiationGroupsAreAddedAndJudgedAgainstTheirLimits) {
  policy::GoodsPolicy goods;
  goods.radiation_limits = {{{"Cs-134", "Cs-137"}, 1000000}, {{"I-131"}, 100000}};
  std::vector<Measurement> at_limit = {{"Cs-134", 400000}, {"Cs-137", 600000}, {"I-131", 100000}};
  EXPECT_TRUE(JudgeMeasurements(goods, at_limit).empty());
  std::vector<Measurement> over = {{"Cs-134", 400000}, {"Cs-137", 600001}, {"I-131", 1}};
  auto exceeded = JudgeMeasurements(goods, over);
  ASSERT_EQ(exceeded.size(), 1u);
  EXPECT_EQ(exceeded[0].nuclides, "Cs-134 + Cs-137");
  EXPECT_EQ(exceeded[0].milli_bq_per_kg, 1000001);
}

class GoodsAssessment : public testing::Test {
 protected:
  void SetUp() override {
    auto loaded = policy::LoadBuiltinProfile("hengqin");
    ASSERT_TRUE(loaded.ok());
    profile_ = *loaded;
    cream_.sku = "CREAM";
    cream_.hs_code = "330499";
  }
  LineAssessment Assess(int64_t sale_fen, int64_t imported_fen, bool processed = true,
                        ledger::Status status = ledger::Status::kBonded) {
    AssessedSlice slice{status, processed, {100000, imported_fen, imported_fen, 0}};
    return AssessSecondLineOut(profile_, cream_, sale_fen, 100000, {slice}, 1);
  }
  policy::Profile profile_;
  Item cream_;
};

TEST_F(GoodsAssessment, ValueAddedOf2999HundredthsPercentPaysDuty) {
  LineAssessment a = Assess(1000000, 700100);
  EXPECT_EQ(a.customs_duty_fen, 50000);
  EXPECT_EQ(a.import_vat_fen, 136500);
  EXPECT_EQ(a.notes[0].rule, "goods.value-added-below-threshold");
}

TEST_F(GoodsAssessment, ValueAddedOfExactly30PercentPaysNoDuty) {
  LineAssessment a = Assess(1000000, 700000);
  EXPECT_EQ(a.customs_duty_fen, 0);
  EXPECT_EQ(a.exempted_duty_fen, 50000);
  EXPECT_EQ(a.import_vat_fen, 130000);
  // One fen more of input, or a sale one fen lower, falls below the threshold.
  EXPECT_EQ(Assess(1000000, 700001).customs_duty_fen, 50000);
  EXPECT_EQ(Assess(999999, 700000).customs_duty_fen, 50000);
}

TEST_F(GoodsAssessment, UnprocessedBondedGoodsNeverGetTheValueAddedExemption) {
  LineAssessment a = Assess(1000000, 100, /*processed=*/false);
  EXPECT_EQ(a.customs_duty_fen, 50000);
  EXPECT_TRUE(a.notes.empty());
}

TEST_F(GoodsAssessment, DomesticAndDutyPaidGoodsOweNothing) {
  EXPECT_FALSE(Assess(1000000, 0, false, ledger::Status::kDomestic).taxed);
  EXPECT_FALSE(Assess(1000000, 0, false, ledger::Status::kDutyPaid).taxed);
}

TEST_F(GoodsAssessment, TaxFreeGoodsPayOnTheirAdmissionValue) {
  LineAssessment a = Assess(500000, 800000, false, ledger::Status::kTaxFree);
  EXPECT_EQ(a.base_fen, 800000);
  EXPECT_EQ(a.customs_duty_fen, 40000);  // 5% of 8000.00
  EXPECT_EQ(a.notes[0].rule, "goods.tax-free-exit");
  EXPECT_EQ(ExemptedAtAdmission(profile_, cream_, 800000), 40000 + 109200);
}

TEST(GoodsAssessmentText, ShareIsShownInHundredthsOfAPercent) {
  EXPECT_EQ(FormatShare(500, 1500), "33.33%");
  EXPECT_EQ(FormatShare(2999, 10000), "29.99%");
  EXPECT_EQ(FormatShare(-1, 4), "-25.00%");
}

}  // namespace
}  // namespace twoline::engine
