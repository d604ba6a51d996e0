// The person side of the engine (SPEC §4 behaviours 1-5), driven through Engine::Execute with the
// built-in profiles. Each test reads as one sentence of the specification; the scenario files under
// tests/scenarios/persons-*.scenario cover the same ground case by case on the wire format.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engine/engine.h"
#include "policy/profile_loader.h"

namespace twoline::engine {
namespace {

// A zone's engine with helpers that build commands from short arguments.
class ZoneEngine {
 public:
  explicit ZoneEngine(const std::string& zone) : zone_(zone) {
    auto profile = policy::LoadBuiltinProfile(zone);
    if (!profile.ok()) {
      ADD_FAILURE() << profile.error().message;
      return;
    }
    engine_.PutProfileInForce(std::make_shared<policy::Profile>(std::move(*profile)));
  }

  // Parses and executes one command; a parse failure is a test failure (an invalid decision).
  Decision Run(const std::string& json) {
    Command command;
    ParseFailure failure;
    if (!ParseCommand(json, Limits{}, &command, &failure)) {
      ADD_FAILURE() << "does not parse: " << failure.message << "\n  " << json;
      return InvalidDecision("", failure.message);
    }
    return engine_.Execute(command);
  }

  // Registers a person with one document and optional lists (a JSON array text).
  Decision Register(const std::string& person, const std::string& resident_of,
                    const std::string& document_type, const std::string& valid_from,
                    const std::string& valid_until, const std::string& lists = "[]",
                    const std::string& birth_date = "1980-01-01") {
    return Run(R"({"id":"reg-)" + std::to_string(++counter_) + R"(","zone":")" + zone_ +
               R"(","at":"2024-01-01T08:00:00+08:00","type":"register_person","person":{"id":")" +
               person + R"(","name":"Test Person","nationality":"CN","resident_of":")" +
               resident_of + R"(","birth_date":")" + birth_date +
               R"(","documents":[{"type":")" + document_type +
               R"(","number":"N1","valid_from":")" + valid_from + R"(","valid_until":")" +
               valid_until + R"("}],"lists":)" + lists + "}}");
  }

  Decision RegisterItem(const std::string& sku, const std::string& hs_code,
                        const std::string& tags = "[]") {
    return Run(R"({"id":"item-)" + sku + R"(","zone":")" + zone_ +
               R"(","at":"2024-01-01T08:00:00+08:00","type":"register_item","item":{"sku":")" +
               sku + R"(","hs_code":")" + hs_code +
               R"(","description":"test item","unit":"kg","tags":)" + tags + "}}");
  }

  // A crossing; `carried` is the JSON array text of carried goods, or empty for none.
  Decision Cross(const std::string& id, const std::string& at, const std::string& person,
                 const std::string& gate, const std::string& direction,
                 const std::string& carried = "") {
    return Run(CrossJson(id, at, person, gate, direction, carried));
  }

  std::string CrossJson(const std::string& id, const std::string& at, const std::string& person,
                        const std::string& gate, const std::string& direction,
                        const std::string& carried = "") const {
    return R"({"id":")" + id + R"(","zone":")" + zone_ + R"(","at":")" + at +
           R"(","type":"cross","person":")" + person + R"(","gate":")" + gate +
           R"(","direction":")" + direction + "\"" +
           (carried.empty() ? "" : R"(,"carried":)" + carried) + "}";
  }

  Decision List(const std::string& id, const std::string& list, const std::string& change,
                const std::string& person) {
    return Run(R"({"id":")" + id + R"(","zone":")" + zone_ +
               R"(","at":"2024-01-01T09:00:00+08:00","type":"list","list":")" + list + R"(",")" +
               change + R"(":[")" + person + R"("]})");
  }

  bool Inside(const std::string& person) const {
    const Person* found = engine_.state().FindPerson(person);
    return found != nullptr && found->inside;
  }

  Engine& engine() { return engine_; }

 private:
  std::string zone_;
  Engine engine_;
  int counter_ = 0;
};

std::string Rules(const Decision& decision) {
  std::string out;
  for (const Reason& reason : decision.reasons) out += (out.empty() ? "" : " ") + reason.rule;
  return out;
}

std::string Carried(const std::string& sku, const std::string& qty, const std::string& value,
                    const std::string& currency = "CNY") {
  return R"({"sku":")" + sku + R"(","qty":")" + qty + R"(","value":")" + value +
         R"(","currency":")" + currency + R"("})";
}

std::string Tax(const Decision& decision) {
  if (!decision.assessment) return "none";
  int64_t fen = decision.assessment->personal_articles_tax_fen;
  std::string cents = std::to_string(fen % 100);
  return std::to_string(fen / 100) + "." + (cents.size() == 1 ? "0" : "") + cents;
}

constexpr const char* kHengqinIn = "HQ-L1-GEN-01";
constexpr const char* kHengqinWhitelist = "HQ-L1-WL-01";
constexpr const char* kHengqinSecond = "HQ-L2-GEN-01";

// --- behaviour 1: documents ------------------------------------------------------------------------

TEST(Persons, ExpiredPermitIsRejected) {
  ZoneEngine zone("hengqin");
  zone.Register("CN-1", "CN", "hk_mo_exit_entry_permit", "2021-01-01", "2026-03-01");
  Decision decision = zone.Cross("c1", "2026-03-02T09:00:00+08:00", "CN-1", kHengqinIn, "in");
  EXPECT_EQ(decision.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(decision), "documents.expired");
  EXPECT_NE(decision.reasons[0].detail.find("2026-03-01"), std::string::npos)
      << decision.reasons[0].detail;
  EXPECT_FALSE(zone.Inside("CN-1"));
}

TEST(Persons, PermitIsValidThroughItsLastDayInTheZonesTimeZone) {
  ZoneEngine zone("hengqin");
  zone.Register("CN-1", "CN", "hk_mo_exit_entry_permit", "2021-01-01", "2026-03-01");
  // 23:30 local on the last day is accepted ...
  EXPECT_EQ(zone.Cross("c1", "2026-03-01T23:30:00+08:00", "CN-1", kHengqinIn, "in").outcome,
            Outcome::kAccepted);
  EXPECT_EQ(zone.Cross("c2", "2026-03-01T23:40:00+08:00", "CN-1", kHengqinIn, "out").outcome,
            Outcome::kAccepted);
  // ... while 16:00Z the same UTC day is already the next local day.
  Decision next_day = zone.Cross("c3", "2026-03-01T16:00:00Z", "CN-1", kHengqinIn, "in");
  EXPECT_EQ(next_day.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(next_day), "documents.expired");
}

TEST(Persons, DocumentNotYetValidIsRejectedUntilItsFirstDay) {
  ZoneEngine zone("hengqin");
  zone.Register("PT-1", "MO", "passport", "2026-06-01", "2036-05-31");
  Decision early = zone.Cross("c1", "2026-05-31T23:59:59+08:00", "PT-1", kHengqinIn, "in");
  EXPECT_EQ(early.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(early), "documents.not-yet-valid");
  EXPECT_EQ(zone.Cross("c2", "2026-06-01T00:00:00+08:00", "PT-1", kHengqinIn, "in").outcome,
            Outcome::kAccepted);
}

TEST(Persons, DocumentTheLineDoesNotAcceptCountsAsMissing) {
  ZoneEngine zone("hengqin");
  zone.Register("CN-2", "CN", "mainland_id", "2015-01-01", "2035-01-01");
  Decision decision = zone.Cross("c1", "2026-03-01T08:00:00+08:00", "CN-2", kHengqinIn, "in");
  EXPECT_EQ(decision.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(decision), "documents.missing");
}

TEST(Persons, OneValidAcceptedDocumentIsEnough) {
  ZoneEngine zone("hengqin");
  zone.Run(R"({"id":"r","zone":"hengqin","at":"2026-01-01T08:00:00+08:00","type":"register_person","person":{"id":"MO-2","name":"Ho","nationality":"CN","resident_of":"MO","birth_date":"1990-01-01","documents":[{"type":"passport","number":"P1","valid_from":"2010-01-01","valid_until":"2020-01-01"},{"type":"home_return_permit","number":"H1","valid_from":"2020-01-01","valid_until":"2030-01-01"}]}})");
  EXPECT_EQ(zone.Cross("c1", "2026-03-01T08:00:00+08:00", "MO-2", kHengqinIn, "in").outcome,
            Outcome::kAccepted);
}

TEST(Persons, NoPersonRuleInForceMeansNoDocumentIsAccepted) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  Decision decision = zone.Cross("c1", "2019-12-31T12:00:00+08:00", "MO-1", kHengqinIn, "in");
  EXPECT_EQ(decision.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(decision), "documents.no-rule-in-force");
}

TEST(Persons, HengqinSecondLineChecksNoDocumentsAndRaisesNoPresenceAnomaly) {
  ZoneEngine zone("hengqin");
  zone.Register("CN-2", "CN", "mainland_id", "2015-01-01", "2035-01-01");
  for (const char* id : {"c1", "c2"}) {
    Decision decision = zone.Cross(id, "2026-03-01T08:00:00+08:00", "CN-2", kHengqinSecond, "in");
    EXPECT_EQ(decision.outcome, Outcome::kAccepted) << Rules(decision);
  }
  // Presence still follows the crossing: the person is inside, then outside again.
  EXPECT_TRUE(zone.Inside("CN-2"));
  EXPECT_EQ(zone.Cross("c3", "2026-03-01T18:00:00+08:00", "CN-2", kHengqinSecond, "out").outcome,
            Outcome::kAccepted);
  EXPECT_FALSE(zone.Inside("CN-2"));
  EXPECT_EQ(zone.Cross("c4", "2026-03-01T18:30:00+08:00", "CN-2", kHengqinSecond, "out").outcome,
            Outcome::kAccepted);
}

TEST(Persons, HetaoSecondLineAcceptsTheMainlandIdAndTheZonePermitButTheFirstLineDoesNot) {
  ZoneEngine zone("hetao-sz");
  zone.Register("SZ-1", "CN", "mainland_id", "2015-01-01", "2035-01-01");
  zone.Register("ZP-1", "CN", "zone_permit", "2025-01-01", "2027-12-31");
  for (const char* person : {"SZ-1", "ZP-1"}) {
    Decision first = zone.Cross(std::string("a-") + person, "2026-01-05T08:00:00+08:00", person,
                                "HT-L1-GEN-01", "in");
    EXPECT_EQ(Rules(first), "documents.missing") << person;
    Decision second = zone.Cross(std::string("b-") + person, "2026-01-05T08:00:00+08:00", person,
                                 "HT-L2-GEN-01", "in");
    EXPECT_EQ(second.outcome, Outcome::kAccepted) << person << ": " << Rules(second);
    EXPECT_TRUE(zone.Inside(person));
  }
}

// --- behaviour 2: whitelist lanes ------------------------------------------------------------------

TEST(Persons, WhitelistLaneAdmitsOnlyPersonsOnItsList) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  zone.Register("TL-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01", R"(["talent"])");
  Decision outsider = zone.Cross("c1", "2026-03-01T08:00:00+08:00", "MO-1", kHengqinWhitelist, "in");
  EXPECT_EQ(outsider.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(outsider), "lane.whitelist-only");
  EXPECT_EQ(zone.Cross("c2", "2026-03-01T08:00:00+08:00", "TL-1", kHengqinWhitelist, "in").outcome,
            Outcome::kAccepted);
  // A list command puts MO-1 on the lane's list.
  EXPECT_EQ(zone.List("l1", "talent", "add", "MO-1").outcome, Outcome::kAccepted);
  EXPECT_EQ(zone.Cross("c3", "2026-03-01T08:05:00+08:00", "MO-1", kHengqinWhitelist, "in").outcome,
            Outcome::kAccepted);
}

TEST(Persons, WhitelistLaneDoesNotReplaceTheDocumentCheck) {
  ZoneEngine zone("hengqin");
  zone.Register("TL-2", "CN", "zone_permit", "2024-01-01", "2030-01-01", R"(["talent"])");
  zone.Register("CN-2", "CN", "mainland_id", "2015-01-01", "2035-01-01");
  EXPECT_EQ(Rules(zone.Cross("c1", "2026-03-01T08:00:00+08:00", "TL-2", kHengqinWhitelist, "in")),
            "documents.missing");
  EXPECT_EQ(Rules(zone.Cross("c2", "2026-03-01T08:00:00+08:00", "CN-2", kHengqinWhitelist, "in")),
            "lane.whitelist-only documents.missing");
}

TEST(Persons, HetaoWhitelistGatesOpenOnFiveNovember2025LocalTime) {
  ZoneEngine zone("hetao-sz");
  zone.Register("ZP-1", "CN", "zone_permit", "2025-01-01", "2027-12-31", R"(["talent"])");
  Decision closed = zone.Cross("c1", "2025-11-04T15:59:59Z", "ZP-1", "HT-L2-WL-01", "in");
  EXPECT_EQ(closed.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(closed), "gate.not-in-service");
  EXPECT_EQ(zone.Cross("c2", "2025-11-04T16:00:00Z", "ZP-1", "HT-L2-WL-01", "in").outcome,
            Outcome::kAccepted);
}

// --- behaviour 3: watchlist ------------------------------------------------------------------------

TEST(Persons, WatchlistedPersonIsReferredNeverAdmitted) {
  ZoneEngine zone("hengqin");
  zone.Register("WL-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01", R"(["watchlist"])");
  Decision decision = zone.Cross("c1", "2026-03-01T08:00:00+08:00", "WL-1", kHengqinIn, "in");
  EXPECT_EQ(decision.outcome, Outcome::kReferred);
  EXPECT_EQ(Rules(decision), "watchlist.hit");
  EXPECT_FALSE(zone.Inside("WL-1"));
  // Also at the second line, where no documents are checked.
  EXPECT_EQ(zone.Cross("c2", "2026-03-01T09:00:00+08:00", "WL-1", kHengqinSecond, "out").outcome,
            Outcome::kReferred);
}

TEST(Persons, PersonAddedToTheWatchlistWhileInsideIsReferredOnTheWayOut) {
  ZoneEngine zone("hetao-sz");
  zone.Register("HK-1", "HK", "home_return_permit", "2010-01-01", "2030-01-01");
  EXPECT_EQ(zone.Cross("c1", "2026-01-08T09:00:00+08:00", "HK-1", "HT-L1-GEN-01", "in").outcome,
            Outcome::kAccepted);
  zone.List("l1", "watchlist", "add", "HK-1");
  Decision out = zone.Cross("c2", "2026-01-08T18:00:00+08:00", "HK-1", "HT-L2-GEN-01", "out");
  EXPECT_EQ(out.outcome, Outcome::kReferred);
  EXPECT_EQ(Rules(out), "watchlist.hit");
  Decision again = zone.Cross("c3", "2026-01-08T18:05:00+08:00", "HK-1", "HT-L1-GEN-01", "in");
  EXPECT_EQ(Rules(again), "watchlist.hit presence.already-inside");
}

// --- behaviour 4: presence -------------------------------------------------------------------------

TEST(Persons, EnteringWhileInsideIsReferredWithTheTimeOfEntry) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-77", "MO", "home_return_permit", "2019-01-01", "2029-01-01");
  EXPECT_EQ(zone.Cross("ex1-a", "2026-03-01T08:00:00+08:00", "MO-77", kHengqinIn, "in").outcome,
            Outcome::kAccepted);
  EXPECT_TRUE(zone.Inside("MO-77"));
  Decision again = zone.Cross("ex1-b", "2026-03-01T08:05:00+08:00", "MO-77", kHengqinIn, "in");
  EXPECT_EQ(again.outcome, Outcome::kReferred);
  ASSERT_EQ(Rules(again), "presence.already-inside");
  EXPECT_EQ(again.reasons[0].detail, "MO-77 entered at 08:00 and has not left");
}

TEST(Persons, LeavingWithoutAnEntryRecordIsReferred) {
  ZoneEngine zone("hetao-sz");
  zone.Register("HK-1", "HK", "home_return_permit", "2010-01-01", "2030-01-01");
  Decision decision = zone.Cross("c1", "2026-01-05T08:00:00+08:00", "HK-1", "HT-L2-GEN-01", "out");
  EXPECT_EQ(decision.outcome, Outcome::kReferred);
  EXPECT_EQ(Rules(decision), "presence.no-entry-record");
}

TEST(Persons, PresenceSpansBothLinesOfHetao) {
  ZoneEngine zone("hetao-sz");
  zone.Register("HK-1", "HK", "home_return_permit", "2010-01-01", "2030-01-01");
  EXPECT_EQ(zone.Cross("c1", "2026-01-05T08:00:00+08:00", "HK-1", "HT-L1-GEN-01", "in").outcome,
            Outcome::kAccepted);
  EXPECT_EQ(Rules(zone.Cross("c2", "2026-01-05T09:00:00+08:00", "HK-1", "HT-L2-GEN-01", "in")),
            "presence.already-inside");
  EXPECT_EQ(zone.Cross("c3", "2026-01-05T12:00:00+08:00", "HK-1", "HT-L2-GEN-01", "out").outcome,
            Outcome::kAccepted);
  EXPECT_FALSE(zone.Inside("HK-1"));
  EXPECT_EQ(zone.engine().state().inside_count, 0);
}

TEST(Persons, RejectionIsJournaledButChangesNothing) {
  ZoneEngine zone("hengqin");
  zone.Register("CN-2", "CN", "mainland_id", "2015-01-01", "2035-01-01");
  uint64_t before = zone.engine().last_seq();
  Decision decision = zone.Cross("c1", "2026-03-01T08:00:00+08:00", "CN-2", kHengqinIn, "in");
  EXPECT_EQ(decision.outcome, Outcome::kRejected);
  EXPECT_EQ(zone.engine().last_seq(), before + 1);  // auditors see what was refused
  EXPECT_FALSE(zone.Inside("CN-2"));
  EXPECT_EQ(zone.engine().state().inside_count, 0);
}

TEST(Persons, GoodsAndVehicleLanesAreNotForPersons) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  for (const char* gate : {"HQ-L1-GDS-01", "HQ-L1-VEH-01", "HQ-L2-GDS-01", "HQ-L2-VEH-01"}) {
    Decision decision =
        zone.Cross(std::string("c-") + gate, "2026-03-01T08:00:00+08:00", "MO-1", gate, "in");
    EXPECT_EQ(decision.outcome, Outcome::kRejected) << gate;
    EXPECT_EQ(Rules(decision), "gate.not-for-persons") << gate;
  }
}

// --- behaviour 5: carried goods --------------------------------------------------------------------

class HengqinCarried : public testing::Test {
 protected:
  void SetUp() override {
    zone_.RegisterItem("BAG", "4202.21");
    zone_.RegisterItem("DRESS", "6204.43");
    zone_.RegisterItem("WINE", "2204.21");
    zone_.RegisterItem("CREAM", "3304.99");
    zone_.RegisterItem("FISH", "0302.89", R"(["fresh_food"])");
    zone_.Register("CN-A", "CN", "mainland_id", "2015-01-01", "2035-01-01");
    zone_.Register("CN-K", "CN", "mainland_id", "2015-01-01", "2035-01-01", "[]", "2010-05-01");
    zone_.Register("MO-N", "MO", "home_return_permit", "2015-01-01", "2035-01-01");
    zone_.Register("MO-F", "MO", "home_return_permit", "2015-01-01", "2035-01-01",
                   R"(["fresh_food"])");
  }
  Decision LeaveWith(const std::string& person, const std::string& at, const std::string& carried) {
    return zone_.Cross("out-" + std::to_string(++count_), at, person, kHengqinSecond, "out",
                       "[" + carried + "]");
  }
  ZoneEngine zone_{"hengqin"};
  int count_ = 0;
};

TEST_F(HengqinCarried, AdultResidentsCarryTwelveThousandDutyFreeFromAugust2024) {
  Decision before = LeaveWith("CN-A", "2024-07-31T23:59:59+08:00", Carried("BAG", "1", "10000.00"));
  EXPECT_EQ(Tax(before), "260.00");  // (10,000 - 8,000) x 0.13
  ASSERT_EQ(Rules(before), "allowance.exceeded");
  EXPECT_EQ(before.outcome, Outcome::kAccepted);
  Decision after = LeaveWith("CN-A", "2024-07-31T16:00:00Z", Carried("BAG", "1", "10000.00"));
  EXPECT_EQ(Tax(after), "none");
  EXPECT_EQ(Rules(after), "");
}

TEST_F(HengqinCarried, NoAllowanceRuleBeforeTheClosedOperation) {
  EXPECT_EQ(Tax(LeaveWith("CN-A", "2024-02-29T10:00:00+08:00", Carried("BAG", "1", "10000.00"))),
            "none");
  EXPECT_EQ(Tax(LeaveWith("CN-A", "2024-03-01T10:00:00+08:00", Carried("BAG", "1", "10000.00"))),
            "260.00");
}

TEST_F(HengqinCarried, MinorsAndNonResidentsGetTheOtherAllowance) {
  EXPECT_EQ(Tax(LeaveWith("CN-K", "2026-03-01T10:00:00+08:00", Carried("BAG", "1", "3000.00"))),
            "130.00");
  EXPECT_EQ(Tax(LeaveWith("MO-N", "2026-03-01T10:00:00+08:00", Carried("BAG", "1", "3000.00"))),
            "130.00");
  EXPECT_EQ(Tax(LeaveWith("CN-A", "2026-03-01T10:00:00+08:00", Carried("BAG", "1", "3000.00"))),
            "none");
}

TEST_F(HengqinCarried, ChildBecomesAnAdultOnTheEighteenthBirthday) {
  EXPECT_EQ(Tax(LeaveWith("CN-K", "2028-04-30T10:00:00+08:00", Carried("BAG", "1", "3000.00"))),
            "130.00");
  EXPECT_EQ(Tax(LeaveWith("CN-K", "2028-05-01T10:00:00+08:00", Carried("BAG", "1", "3000.00"))),
            "none");
}

TEST_F(HengqinCarried, PersonalArticlesTaxIsRoundedHalfUpPerLineThenSummed) {
  // 20.006 -> 20.01, 0.005 -> 0.01, 6.666 -> 6.67: 26.69 (not round(26.677) = 26.68).
  Decision decision = LeaveWith(
      "CN-A", "2026-03-01T10:00:00+08:00",
      Carried("BAG", "1", "12000.00") + "," + Carried("DRESS", "1", "100.03") + "," +
          Carried("WINE", "1", "0.01") + "," + Carried("CREAM", "1", "33.33"));
  EXPECT_EQ(Tax(decision), "26.69");
  ASSERT_TRUE(decision.assessment.has_value());
  EXPECT_EQ(decision.assessment->total_fen(), 2669);
  EXPECT_EQ(decision.assessment->customs_duty_fen, 0);
  EXPECT_EQ(decision.assessment->import_vat_fen, 0);
}

TEST_F(HengqinCarried, GoodsOverTheAllowanceAreReportedEvenWhenTheirTaxRoundsToNothing) {
  // CNY 0.01 over the CNY 12,000 allowance: 0.0013 of tax rounds to 0.00, but the allowance is
  // exceeded all the same; CNY 12,000.00 exactly is within it.
  Decision over = LeaveWith("CN-A", "2026-03-01T10:00:00+08:00", Carried("BAG", "1", "12000.01"));
  EXPECT_EQ(Rules(over), "allowance.exceeded");
  EXPECT_EQ(Tax(over), "0.00");
  EXPECT_EQ(over.outcome, Outcome::kAccepted);
  Decision within = LeaveWith("CN-A", "2026-03-01T10:00:00+08:00", Carried("BAG", "1", "12000.00"));
  EXPECT_EQ(Rules(within), "");
  EXPECT_EQ(Tax(within), "none");
}

TEST_F(HengqinCarried, ForeignCurrencyIsConvertedAtTheProfileRate) {
  // MOP 15,000.00 x 0.89 = 13,350.00; HKD 13,500.00 x 0.92 = 12,420.00.
  EXPECT_EQ(Tax(LeaveWith("CN-A", "2026-03-01T10:00:00+08:00",
                          Carried("BAG", "1", "15000.00", "MOP"))),
            "175.50");
  EXPECT_EQ(Tax(LeaveWith("CN-A", "2026-03-01T10:00:00+08:00",
                          Carried("BAG", "1", "13500.00", "HKD"))),
            "54.60");
}

TEST_F(HengqinCarried, FreshFoodQuotaIsFiveKilogramsOnceADay) {
  auto enter = [&](const std::string& id, const std::string& at, const std::string& qty) {
    return zone_.Cross(id, at, "MO-F", kHengqinIn, "in", "[" + Carried("FISH", qty, "100.00", "MOP") + "]");
  };
  EXPECT_EQ(Rules(enter("f1", "2026-03-01T08:00:00+08:00", "5.001")), "fresh-food.over-quota");
  EXPECT_EQ(enter("f2", "2026-03-01T08:05:00+08:00", "5").outcome, Outcome::kAccepted);
  zone_.Cross("f3", "2026-03-01T12:00:00+08:00", "MO-F", kHengqinIn, "out");
  EXPECT_EQ(Rules(enter("f4", "2026-03-01T15:59:59Z", "1")), "fresh-food.once-a-day");
  EXPECT_EQ(enter("f5", "2026-03-01T16:00:00Z", "1").outcome, Outcome::kAccepted);
}

TEST_F(HengqinCarried, AnEarlierDaysCrossingImportedLaterLeavesTheLaterDaysQuotaSpent) {
  auto enter = [&](const std::string& id, const std::string& at) {
    return zone_.Cross(id, at, "MO-F", kHengqinIn, "in", "[" + Carried("FISH", "5", "50.00", "MOP") + "]");
  };
  EXPECT_EQ(enter("f1", "2026-03-11T08:00:00+08:00").outcome, Outcome::kAccepted);
  zone_.Cross("f2", "2026-03-11T09:00:00+08:00", "MO-F", kHengqinIn, "out");
  // Imported after the 11th's: the 10th's crossing (commands apply in submission order).
  EXPECT_EQ(enter("f3", "2026-03-10T20:00:00+08:00").outcome, Outcome::kAccepted);
  zone_.Cross("f4", "2026-03-11T10:00:00+08:00", "MO-F", kHengqinIn, "out");
  EXPECT_EQ(Rules(enter("f5", "2026-03-11T11:00:00+08:00")), "fresh-food.once-a-day");
  EXPECT_EQ(enter("f6", "2026-03-12T08:00:00+08:00").outcome, Outcome::kAccepted);
}

TEST_F(HengqinCarried, FreshFoodIsForResidentsOfMacao) {
  zone_.Register("HK-F", "HK", "home_return_permit", "2015-01-01", "2035-01-01", R"(["fresh_food"])");
  Decision decision = zone_.Cross("f1", "2026-03-01T08:00:00+08:00", "HK-F", kHengqinIn, "in",
                                  "[" + Carried("FISH", "1", "10.00", "MOP") + "]");
  EXPECT_EQ(decision.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(decision), "fresh-food.not-resident");
  EXPECT_EQ(zone_.Cross("f2", "2026-03-01T08:00:00+08:00", "HK-F", kHengqinIn, "in").outcome,
            Outcome::kAccepted)
      << "without fresh food the crossing is the usual one";
}

TEST_F(HengqinCarried, FreshFoodNeedsTheListAndNeverLeavesThroughTheSecondLine) {
  Decision unlisted = zone_.Cross("f1", "2026-03-01T08:00:00+08:00", "MO-N", kHengqinIn, "in",
                                  "[" + Carried("FISH", "1", "10.00", "MOP") + "]");
  EXPECT_EQ(Rules(unlisted), "fresh-food.not-listed");
  Decision out = LeaveWith("MO-F", "2026-03-01T10:00:00+08:00",
                           Carried("BAG", "1", "20000.00") + "," + Carried("FISH", "1", "10.00"));
  EXPECT_EQ(out.outcome, Outcome::kRejected);
  EXPECT_EQ(Rules(out), "fresh-food.forbidden-line");
  EXPECT_FALSE(out.assessment.has_value());
}

TEST_F(HengqinCarried, ValueTooLargeToConvertIsInvalidNotACrash) {
  Decision decision = LeaveWith("CN-A", "2026-03-01T10:00:00+08:00",
                                Carried("BAG", "1", "92233720368547758.07", "USD"));
  EXPECT_EQ(decision.outcome, Outcome::kInvalid);
  Decision sum = LeaveWith("CN-A", "2026-03-01T10:00:00+08:00",
                           Carried("BAG", "1", "60000000000000000.00") + "," +
                               Carried("BAG", "1", "60000000000000000.00"));
  EXPECT_EQ(sum.outcome, Outcome::kInvalid);
}

// --- invalid input and idempotency -----------------------------------------------------------------

// The engine keeps an affiliation as an interned C string: one with a NUL is refused when parsed,
// never stored cut short.
TEST(Persons, AnAffiliationWithANulCharacterDoesNotParse) {
  const std::string command =
      R"({"id":"r-nul","zone":"hengqin","at":"2026-03-01T08:00:00+08:00","type":"register_person",)"
      R"("person":{"id":"MO-1","name":"A","nationality":"CN","resident_of":"MO",)"
      R"("birth_date":"1990-01-01","affiliation":"Lab\u0000Two","lists":[],"documents":[]}})";
  Command parsed;
  ParseFailure failure;
  EXPECT_FALSE(ParseCommand(command, Limits{}, &parsed, &failure));
  EXPECT_NE(failure.message.find("affiliation"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find("NUL"), std::string::npos) << failure.message;
  std::string without = command;
  without.replace(without.find("\\u0000"), 6, " ");
  EXPECT_TRUE(ParseCommand(without, Limits{}, &parsed, &failure)) << failure.message;
}

TEST(Persons, UnknownPersonOrGateIsInvalidAndLeavesNoTrace) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  uint64_t seq = zone.engine().last_seq();
  Hash256 state = zone.engine().StateHash();
  Decision person = zone.Cross("c1", "2026-03-01T08:00:00+08:00", "NOBODY", kHengqinIn, "in");
  EXPECT_EQ(person.outcome, Outcome::kInvalid);
  EXPECT_EQ(Rules(person), "command.invalid");
  Decision gate = zone.Cross("c2", "2026-03-01T08:00:00+08:00", "MO-1", "QH-L1-GDS-01", "in");
  EXPECT_EQ(gate.outcome, Outcome::kInvalid);
  EXPECT_EQ(zone.engine().last_seq(), seq);
  EXPECT_EQ(ToHex(zone.engine().StateHash()), ToHex(state));
  // The ids of invalid commands stay free.
  EXPECT_EQ(zone.Cross("c1", "2026-03-01T08:00:00+08:00", "MO-1", kHengqinIn, "in").outcome,
            Outcome::kAccepted);
}

TEST(Persons, CommandForAnotherZoneIsInvalid) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  Decision decision = zone.Run(
      R"({"id":"c1","zone":"hetao-sz","at":"2026-03-01T08:00:00+08:00","type":"cross","person":"MO-1","gate":"HQ-L1-GEN-01","direction":"in"})");
  EXPECT_EQ(decision.outcome, Outcome::kInvalid);
}

TEST(Persons, SameIdAndBodyReturnsTheOriginalDecisionWithoutASecondEffect) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  Decision first = zone.Cross("c1", "2026-03-01T08:00:00+08:00", "MO-1", kHengqinIn, "in");
  uint64_t seq = zone.engine().last_seq();
  zone.Cross("c2", "2026-03-01T12:00:00+08:00", "MO-1", kHengqinIn, "out");
  // Keys in another order, with whitespace: the same body.
  Decision repeat = zone.Run(
      R"({ "direction" : "in", "type":"cross", "gate":"HQ-L1-GEN-01", "person":"MO-1", "at":"2026-03-01T08:00:00+08:00", "zone":"hengqin", "id":"c1" })");
  EXPECT_EQ(repeat.duplicate_of, seq);
  EXPECT_EQ(zone.engine().last_seq(), seq + 1);
  EXPECT_FALSE(zone.Inside("MO-1"));
  EXPECT_EQ(first.outcome, Outcome::kAccepted);
}

TEST(Persons, SameIdWithAnotherBodyIsInvalidIdReused) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  zone.Cross("c1", "2026-03-01T08:00:00+08:00", "MO-1", kHengqinIn, "in");
  Decision reused = zone.Cross("c1", "2026-03-01T08:00:00+08:00", "MO-1", kHengqinIn, "out");
  EXPECT_EQ(reused.outcome, Outcome::kInvalid);
  EXPECT_EQ(Rules(reused), "command.id-reused");
  EXPECT_EQ(reused.duplicate_of, 0u);
  EXPECT_TRUE(zone.Inside("MO-1"));
}

TEST(Persons, DecideIsPureAndRepeatable) {
  ZoneEngine zone("hengqin");
  zone.Register("MO-1", "MO", "home_return_permit", "2010-01-01", "2030-01-01");
  Command command;
  ParseFailure failure;
  ASSERT_TRUE(ParseCommand(zone.CrossJson("c1", "2026-03-01T08:00:00+08:00", "MO-1", kHengqinIn,
                                          "in"),
                           Limits{}, &command, &failure));
  Hash256 state = zone.engine().StateHash();
  Decision a = zone.engine().Decide(command);
  Decision b = zone.engine().Decide(command);
  EXPECT_EQ(CanonicalDecisionJson(a), CanonicalDecisionJson(b));
  EXPECT_EQ(ToHex(zone.engine().StateHash()), ToHex(state));
  EXPECT_FALSE(zone.Inside("MO-1"));
}

}  // namespace
}  // namespace twoline::engine
