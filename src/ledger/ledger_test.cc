#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include <memory>

#include "base/binary.h"

namespace twoline::ledger {
namespace {

LotSpec Spec(std::string party, std::string sku, int64_t quantity_milli, int64_t value_fen,
             Status status = Status::kBonded) {
  LotSpec spec;
  spec.party = std::move(party);
  spec.sku = std::move(sku);
  spec.status = status;
  spec.release_status = status;
  spec.origin = "FR";
  spec.amounts = {quantity_milli, value_fen, value_fen, 0};
  return spec;
}

Destination Outside(External account) {
  Destination d;
  d.external = true;
  d.account = account;
  return d;
}

// Reserves (and optionally posts) what the planner plans, the way the engine does.
std::vector<Slice> Withdraw(Ledger* ledger, const std::string& document, const std::string& party,
                            const std::string& sku, int64_t quantity_milli, Destination destination,
                            bool post = true,
                            StatusPreference preference = StatusPreference::Free()) {
  Planner planner(*ledger);
  std::vector<Slice> slices;
  EXPECT_TRUE(planner.Take(party, sku, quantity_milli, preference, &slices));
  std::vector<Operation> operations{Reserve{document, party, slices, destination}};
  if (post) operations.push_back(Post{document, std::nullopt});
  ledger->Execute(operations, 1);
  return slices;
}

TEST(Ledger, AdmissionCreatesALotAndABalancedPosting) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("P", "OIL", 50000, 200000), External::kOutsideFirstLine}}, 7);
  ASSERT_EQ(ledger.lots().size(), 1u);
  const Lot& lot = ledger.lots()[0];
  EXPECT_EQ(lot.id, 1u);
  EXPECT_EQ(lot.created_by, "D1");
  EXPECT_EQ(lot.created_on, 7);
  EXPECT_EQ(lot.on_hand.quantity_milli, 50000);
  Balance held = ledger.AccountBalance(AccountKey::Internal("P", "OIL", Status::kBonded));
  Balance outside =
      ledger.AccountBalance(AccountKey::Outside("P", "OIL", External::kOutsideFirstLine));
  EXPECT_EQ(held.quantity_milli, 50000);
  EXPECT_EQ(held.value_fen, 200000);
  EXPECT_EQ(outside.quantity_milli, -50000);
  EXPECT_EQ(outside.value_fen, -200000);
  ASSERT_EQ(ledger.postings().size(), 1u);
  EXPECT_EQ(ledger.postings()[0].to_lot, 1u);
  EXPECT_TRUE(ledger.HasStock("OIL"));
  EXPECT_FALSE(ledger.HasStock("CREAM"));
  ledger.CheckAllInvariants();
}

TEST(Ledger, WithdrawalsTakeLotsFirstInFirstOutWithTheirOwnValues) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("P", "W", 10000, 10000), External::kOutsideFirstLine},
                  Admit{"D2", Spec("P", "W", 10000, 30000), External::kOutsideFirstLine},
                  Admit{"D3", Spec("P", "W", 10000, 50000), External::kOutsideFirstLine}},
                 1);
  std::vector<Slice> slices =
      Withdraw(&ledger, "OUT", "P", "W", 15000, Outside(External::kOutsideSecondLine));
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].lot, 1u);
  EXPECT_EQ(slices[0].amounts.value_fen, 10000);
  EXPECT_EQ(slices[1].lot, 2u);
  EXPECT_EQ(slices[1].amounts.value_fen, 15000);  // half of lot 2's 300.00
  auto live = ledger.LiveLots("P", "W");
  EXPECT_EQ(std::vector<uint64_t>(live.begin(), live.end()), (std::vector<uint64_t>{2, 3}));
  Balance bonded = ledger.AccountBalance(AccountKey::Internal("P", "W", Status::kBonded));
  EXPECT_EQ(bonded.quantity_milli, 15000);
  EXPECT_EQ(bonded.value_fen, 65000);
  ledger.CheckAllInvariants();
}

// A party's live lots leave mostly from the front (first in first out): they are skipped and
// dropped together, and the list reads the same as erasing each in place would leave it, in any
// order of leaving, an id that is not there included.
TEST(LiveIds, ErasingFromTheFrontOrAnywhereLeavesTheRestInOrder) {
  std::vector<uint64_t> all;
  for (uint64_t id = 1; id <= 500; ++id) all.push_back(id * 3);
  LiveIds list(all);
  std::vector<uint64_t> expected = all;
  auto same = [&] {
    auto ids = list.ids();
    return std::vector<uint64_t>(ids.begin(), ids.end()) == expected;
  };
  // The oldest 200, one by one (past the point where the skipped part is dropped), then ids from
  // the middle and the end, then one that is not there.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(list.Erase(expected.front()));
    expected.erase(expected.begin());
    ASSERT_TRUE(same()) << i;
  }
  for (uint64_t id : {900u, 1500u, 603u, 1200u}) {
    ASSERT_TRUE(list.Erase(id)) << id;
    expected.erase(std::find(expected.begin(), expected.end(), id));
    ASSERT_TRUE(same()) << id;
  }
  EXPECT_FALSE(list.Erase(901));
  EXPECT_FALSE(list.Erase(3)) << "already left";
  EXPECT_TRUE(same());
  list.PushBack(2000);
  expected.push_back(2000);
  EXPECT_TRUE(same());
  while (!expected.empty()) {
    ASSERT_TRUE(list.Erase(expected.back()));
    expected.pop_back();
    ASSERT_TRUE(same());
  }
  EXPECT_TRUE(list.empty());
  // A list not in order (as a forged snapshot might hold) is still searched whole.
  LiveIds unordered(std::vector<uint64_t>{9, 4, 7});
  EXPECT_TRUE(unordered.Erase(7));
  EXPECT_TRUE(unordered.Erase(9));
  auto rest = unordered.ids();
  EXPECT_EQ(std::vector<uint64_t>(rest.begin(), rest.end()), (std::vector<uint64_t>{4}));
}

TEST(Ledger, PartialTakesAddUpToTheWholeLotValue) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("P", "W", 3000, 10000), External::kOutsideFirstLine}}, 1);
  int64_t total = 0;
  for (int i = 0; i < 3; ++i) {
    auto slices =
        Withdraw(&ledger, "OUT" + std::to_string(i), "P", "W", 1000, Outside(External::kConsumed));
    total += slices[0].amounts.value_fen;
  }
  EXPECT_EQ(total, 10000);  // 33.33 + 33.33 + 33.34: the last take gets the remainder
  EXPECT_TRUE(ledger.LiveLots("P", "W").empty());
  EXPECT_FALSE(ledger.HasStock("W"));
  ledger.CheckAllInvariants();
}

TEST(Ledger, ReservedGoodsAreNotFreeAndVoidReleasesThem) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("P", "W", 10000, 10000), External::kOutsideFirstLine}}, 1);
  Withdraw(&ledger, "OUT", "P", "W", 6000, Outside(External::kOutsideSecondLine), false);
  Planner planner(ledger);
  EXPECT_EQ(planner.FreeQuantity("P", "W", StatusPreference::Free()), 4000);
  std::vector<Slice> slices;
  EXPECT_FALSE(planner.Take("P", "W", 5000, StatusPreference::Free(), &slices));
  EXPECT_TRUE(slices.empty());
  Balance bonded = ledger.AccountBalance(AccountKey::Internal("P", "W", Status::kBonded));
  EXPECT_EQ(bonded.reserved_milli, 6000);
  ASSERT_NE(ledger.FindPending("OUT"), nullptr);
  ledger.Execute({Void{"OUT"}}, 2);
  EXPECT_EQ(ledger.FindPending("OUT"), nullptr);
  EXPECT_EQ(ledger.AccountBalance(AccountKey::Internal("P", "W", Status::kBonded)).reserved_milli,
            0);
  EXPECT_EQ(ledger.postings().size(), 1u);  // a void moves nothing
  ledger.CheckAllInvariants();
}

TEST(Ledger, PostMovesReservedGoodsOut) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("P", "W", 10000, 10000), External::kOutsideFirstLine}}, 1);
  Withdraw(&ledger, "OUT", "P", "W", 6000, Outside(External::kOutsideSecondLine), false);
  ledger.Execute({Post{"OUT", std::nullopt}}, 3);
  Balance outside =
      ledger.AccountBalance(AccountKey::Outside("P", "W", External::kOutsideSecondLine));
  EXPECT_EQ(outside.quantity_milli, 6000);
  EXPECT_EQ(outside.value_fen, 6000);
  EXPECT_EQ(ledger.PostingsOf("OUT").size(), 1u);
  EXPECT_EQ(ledger.postings().back().date, 3);
  ledger.CheckAllInvariants();
}

TEST(Ledger, IncomingGoodsBecomeLotsOnlyWhenPosted) {
  Ledger ledger;
  ledger.Execute(
      {ExpectIncoming{"IN", "P", {Spec("P", "W", 2000, 500)}, External::kOutsideFirstLine}}, 1);
  EXPECT_TRUE(ledger.lots().empty());
  EXPECT_TRUE(ledger.HasStock("W"));
  EXPECT_EQ(ledger.AccountBalance(AccountKey::Internal("P", "W", Status::kBonded)).incoming_milli,
            2000);
  ledger.Execute({Post{"IN", std::nullopt}}, 2);
  ASSERT_EQ(ledger.lots().size(), 1u);
  EXPECT_EQ(ledger.lots()[0].created_by, "IN");
  Balance bonded = ledger.AccountBalance(AccountKey::Internal("P", "W", Status::kBonded));
  EXPECT_EQ(bonded.incoming_milli, 0);
  EXPECT_EQ(bonded.quantity_milli, 2000);
  ledger.CheckAllInvariants();
}

TEST(Ledger, VoidedIncomingGoodsLeaveNoTrace) {
  Ledger ledger;
  ledger.Execute(
      {ExpectIncoming{"IN", "P", {Spec("P", "W", 2000, 500)}, External::kOutsideFirstLine}}, 1);
  ledger.Execute({Void{"IN"}}, 2);
  EXPECT_FALSE(ledger.HasStock("W"));
  EXPECT_TRUE(ledger.postings().empty());
  ledger.CheckAllInvariants();
}

TEST(Ledger, TransferCreatesAChildLotThatRemembersItsParent) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("A", "W", 10000, 8000), External::kOutsideFirstLine}}, 1);
  Destination to_b;
  to_b.external = false;
  to_b.party = "B";
  to_b.status = Status::kBonded;
  to_b.source = LotSource::kTransfer;
  Withdraw(&ledger, "T1", "A", "W", 2500, to_b);
  ASSERT_EQ(ledger.lots().size(), 2u);
  const Lot& child = ledger.lots()[1];
  EXPECT_EQ(child.spec.party, "B");
  EXPECT_EQ(child.spec.origin, "FR");
  EXPECT_EQ(child.spec.source, LotSource::kTransfer);
  ASSERT_EQ(child.spec.parents.size(), 1u);
  EXPECT_EQ(child.spec.parents[0].lot, 1u);
  EXPECT_EQ(child.spec.parents[0].quantity_milli, 2500);
  EXPECT_EQ(child.on_hand.value_fen, 2000);
  EXPECT_EQ(child.on_hand.imported_input_fen, 2000);
  EXPECT_EQ(ledger.AccountBalance(AccountKey::Internal("B", "W", Status::kBonded)).quantity_milli,
            2500);
  ledger.CheckAllInvariants();
}

TEST(Ledger, PostCanRedirectToAnotherDestination) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("A", "W", 10000, 8000), External::kOutsideFirstLine}}, 1);
  Withdraw(&ledger, "OUT", "A", "W", 4000, Outside(External::kOutsideSecondLine), false);
  Destination refused;
  refused.external = false;
  refused.party = "A";
  refused.status = Status::kRefused;
  refused.source = LotSource::kStatusChange;
  ledger.Execute({Post{"OUT", refused}}, 2);
  EXPECT_EQ(ledger.AccountBalance(AccountKey::Internal("A", "W", Status::kRefused)).quantity_milli,
            4000);
  EXPECT_EQ(ledger.AccountBalance(AccountKey::Internal("A", "W", Status::kBonded)).quantity_milli,
            6000);
  ledger.CheckAllInvariants();
}

TEST(Ledger, RefusedGoodsAreTakenFirstWhenThePreferenceSaysSo) {
  Ledger ledger;
  ledger.Execute(
      {Admit{"D1", Spec("A", "W", 1000, 100), External::kOutsideFirstLine},
       Admit{"D2", Spec("A", "W", 1000, 100, Status::kRefused), External::kOutsideFirstLine}},
      1);
  Planner planner(ledger);
  std::vector<Slice> slices;
  ASSERT_TRUE(planner.Take("A", "W", 1500, StatusPreference::RefusedFirst(), &slices));
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].lot, 2u);
  EXPECT_EQ(slices[1].lot, 1u);
  EXPECT_EQ(planner.FreeQuantity("A", "W", StatusPreference::Free()), 500);
  EXPECT_EQ(Planner(ledger).FreeQuantity("A", "W", StatusPreference::Free()), 1000);
}

TEST(Ledger, ChangeStatusMovesAWholeLotBetweenStatuses) {
  Ledger ledger;
  ledger.Execute(
      {Admit{"D1", Spec("A", "FISH", 20000, 300000, Status::kHeld), External::kOutsideFirstLine}},
      1);
  EXPECT_EQ(Planner(ledger).FreeQuantity("A", "FISH", StatusPreference::Free()), 0);
  ledger.Execute({ChangeStatus{"D1", 1, Status::kDutyPaid}}, 2);
  EXPECT_EQ(ledger.lots()[0].status, Status::kDutyPaid);
  EXPECT_EQ(ledger.AccountBalance(AccountKey::Internal("A", "FISH", Status::kHeld)).quantity_milli,
            0);
  EXPECT_EQ(
      ledger.AccountBalance(AccountKey::Internal("A", "FISH", Status::kDutyPaid)).quantity_milli,
      20000);
  EXPECT_EQ(Planner(ledger).FreeQuantity("A", "FISH", StatusPreference::Free()), 20000);
  ledger.CheckAllInvariants();
}

TEST(Ledger, PlannerSeesItsOwnEarlierTakes) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("A", "W", 3000, 1000), External::kOutsideFirstLine}}, 1);
  Planner planner(ledger);
  std::vector<Slice> first, second, third;
  ASSERT_TRUE(planner.Take("A", "W", 1000, StatusPreference::Free(), &first));
  ASSERT_TRUE(planner.Take("A", "W", 2000, StatusPreference::Free(), &second));
  EXPECT_FALSE(planner.Take("A", "W", 1, StatusPreference::Free(), &third));
  EXPECT_EQ(first[0].amounts.value_fen + second[0].amounts.value_fen, 1000);
  // Executing the two reservations in the planned order takes exactly the planned amounts.
  ledger.Execute({Reserve{"X", "A", first, Outside(External::kScrapped)},
                  Reserve{"Y", "A", second, Outside(External::kScrapped)}},
                 2);
  ledger.CheckAllInvariants();
}

TEST(Ledger, PlannerRefusesChangesBeyondTheAccountLimit) {
  Ledger ledger;
  Planner planner(ledger);
  planner.Add(AccountKey::Internal("A", "W", Status::kBonded), kAccountMagnitudeMax, 0);
  EXPECT_TRUE(planner.WithinLimits());
  planner.Add(AccountKey::Internal("A", "W", Status::kBonded), 1, 0);
  EXPECT_FALSE(planner.WithinLimits());
}

TEST(Ledger, PortionRoundsHalfUpAndGivesTheRestToTheLastTake) {
  Amounts available{3000, 1000, 1000, 0};
  EXPECT_EQ(Portion(available, 1000).value_fen, 333);
  EXPECT_EQ(Portion(available, 1500).value_fen, 500);
  EXPECT_EQ(Portion(Amounts{3, 5, 0, 0}, 1).value_fen, 2);  // 1.666… → 2
  EXPECT_EQ(Portion(Amounts{2, 1, 0, 0}, 1).value_fen, 1);  // 0.5 → 1 (half up)
  EXPECT_EQ(Portion(available, 3000), available);
}

TEST(Ledger, EncodingIsTheSameForTheSameHistory) {
  auto build = [] {
    Ledger ledger;
    ledger.Execute({Admit{"D1", Spec("B", "W", 1000, 10), External::kOutsideFirstLine},
                    Admit{"D2", Spec("A", "V", 1000, 10), External::kOutsideSecondLine}},
                   1);
    Withdraw(&ledger, "OUT", "B", "W", 400, Outside(External::kOutsideSecondLine), false);
    std::string out;
    BinaryWriter writer(&out);
    ledger.Save(writer);
    return out;
  };
  std::string first = build();
  EXPECT_EQ(first, build());
  Ledger other;
  std::string empty;
  BinaryWriter empty_writer(&empty);
  other.Save(empty_writer);
  EXPECT_NE(first, empty);
}

TEST(Ledger, StatusNamesRoundTrip) {
  for (int i = 0; i < kStatusCount; ++i) {
    auto status = static_cast<Status>(i);
    EXPECT_EQ(ParseStatus(StatusName(status)), status);
  }
  EXPECT_EQ(ParseStatus("free"), std::nullopt);
  EXPECT_EQ(AccountKey::Outside("P", "W", External::kShortage).Name(), "shortage");
  EXPECT_EQ(AccountKey::Internal("P", "W", Status::kTaxFree).Name(), "tax_free");
}


// The full sweep (run when the state hash is taken, so on every snapshot load) finds a ledger whose
// accounts do not balance or do not equal their lots, even when every record is well formed. The
// ledger below is saved and its first account's amounts edited in the bytes: the accounts are
// ("OIL", "P", bonded) then ("OIL", "P", outside the first line), and each amount is a u64.
TEST(LedgerDeathTest, TheFullSweepFindsBrokenInvariants) {
  Ledger ledger;
  ledger.Execute({Admit{"D1", Spec("P", "OIL", 50000, 200000), External::kOutsideFirstLine}}, 7);
  std::string saved;
  BinaryWriter out(&saved);
  ledger.Save(out);
  constexpr size_t kFirst = 8 + (8 + 3) + (8 + 1) + 1;  // the bonded account's quantity
  constexpr size_t kSecond = kFirst + 32 + (8 + 3) + (8 + 1) + 1;  // the outside account's
  auto edited = [&](std::vector<std::pair<size_t, int64_t>> changes) {
    std::string bytes = saved;
    for (const auto& [at, delta] : changes) {
      BinaryReader in(std::string_view(bytes).substr(at, 8));
      std::string value;
      BinaryWriter(&value).I64(in.I64() + delta);
      bytes.replace(at, 8, value);
    }
    auto loaded = std::make_unique<Ledger>();
    BinaryReader in(bytes);
    EXPECT_TRUE(loaded->Load(in));
    return loaded;
  };
  edited({})->CheckAllInvariants();  // the edit itself is faithful
  // Balanced (one more in the account, one less outside), but the account is not its lots.
  EXPECT_DEATH(edited({{kFirst, 1}, {kSecond, -1}})->CheckAllInvariants(), "");
  // Five fen more in the account only: the sku does not balance.
  EXPECT_DEATH(edited({{kFirst + 8, 5}, {kSecond + 8, 0}})->CheckAllInvariants(), "");
  // More reserved than on hand.
  EXPECT_DEATH(edited({{kFirst + 16, 50001}})->CheckAllInvariants(), "");
  // A negative balance outside is fine; a negative one inside is not (balanced against outside).
  EXPECT_DEATH(edited({{kFirst, -60000}, {kSecond, 60000}})->CheckAllInvariants(), "");
}

}  // namespace
}  // namespace twoline::ledger
