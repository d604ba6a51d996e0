#include "ledger/ledger.h"

#include <algorithm>

#include "base/check.h"
#include "base/decimal.h"
#include "base/encoding.h"
#include "base/growing_table.h"

namespace twoline::ledger {
namespace {

constexpr uint8_t kExternalBase = 16;

std::string LotIndexKey(std::string_view party, std::string_view sku) {
  std::string key;
  key.reserve(party.size() + sku.size() + 1);
  key.append(party);
  key.push_back('\x1f');  // ids are [A-Za-z0-9._:-]: the separator cannot occur in them
  key.append(sku);
  return key;
}

int64_t CheckedAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  CHECK(!AddOverflows(a, b, &out));
  return out;
}

bool NonNegative(const Amounts& a) {
  return a.quantity_milli >= 0 && a.value_fen >= 0 && a.imported_input_fen >= 0 &&
         a.mainland_input_fen >= 0;
}

bool AllLessOrEqual(const Amounts& a, const Amounts& b) {
  return a.quantity_milli <= b.quantity_milli && a.value_fen <= b.value_fen &&
         a.imported_input_fen <= b.imported_input_fen &&
         a.mainland_input_fen <= b.mainland_input_fen;
}


}  // namespace

const char* StatusName(Status status) {
  static const char* kNames[] = {"bonded", "tax_free", "duty_paid", "domestic", "held", "refused"};
  return kNames[static_cast<int>(status)];
}

const char* ExternalName(External external) {
  static const char* kNames[] = {"outside_first_line",
                                 "outside_second_line",
                                 "consumed",
                                 "scrapped",
                                 "shortage",
                                 "overage",
                                 "produced"};
  return kNames[static_cast<int>(external)];
}

std::optional<Status> ParseStatus(std::string_view name) {
  for (int i = 0; i < kStatusCount; ++i) {
    if (name == StatusName(static_cast<Status>(i))) return static_cast<Status>(i);
  }
  return std::nullopt;
}

const char* LotSourceName(LotSource source) {
  static const char* kNames[] = {"first_line_in", "second_line_in", "overage",
                                 "process",       "transfer",       "status_change"};
  return kNames[static_cast<int>(source)];
}

Amounts& Amounts::operator+=(const Amounts& other) {
  quantity_milli = CheckedAdd(quantity_milli, other.quantity_milli);
  value_fen = CheckedAdd(value_fen, other.value_fen);
  imported_input_fen = CheckedAdd(imported_input_fen, other.imported_input_fen);
  mainland_input_fen = CheckedAdd(mainland_input_fen, other.mainland_input_fen);
  return *this;
}

Amounts& Amounts::operator-=(const Amounts& other) {
  quantity_milli = CheckedAdd(quantity_milli, -other.quantity_milli);
  value_fen = CheckedAdd(value_fen, -other.value_fen);
  imported_input_fen = CheckedAdd(imported_input_fen, -other.imported_input_fen);
  mainland_input_fen = CheckedAdd(mainland_input_fen, -other.mainland_input_fen);
  return *this;
}

Amounts operator-(Amounts a, const Amounts& b) { return a -= b; }

Amounts Portion(const Amounts& available, int64_t quantity_milli) {
  CHECK(quantity_milli >= 0 && quantity_milli <= available.quantity_milli);
  CHECK(NonNegative(available));
  if (quantity_milli == available.quantity_milli) return available;
  auto share = [&](int64_t amount) {
    return MulDivRoundHalfUp(amount, quantity_milli, available.quantity_milli);
  };
  return Amounts{quantity_milli, share(available.value_fen), share(available.imported_input_fen),
                 share(available.mainland_input_fen)};
}

AccountKey AccountKey::Internal(std::string_view party, std::string_view sku, Status status) {
  return AccountKey{std::string(sku), std::string(party), static_cast<uint8_t>(status)};
}

AccountKey AccountKey::Outside(std::string_view party, std::string_view sku, External external) {
  return AccountKey{std::string(sku), std::string(party),
                    static_cast<uint8_t>(kExternalBase + static_cast<uint8_t>(external))};
}

Status AccountKey::status() const {
  CHECK(internal());
  return static_cast<Status>(code);
}

External AccountKey::external() const {
  CHECK(!internal());
  return static_cast<External>(code - kExternalBase);
}

std::string AccountKey::Name() const {
  return internal() ? StatusName(status()) : ExternalName(external());
}

StatusPreference StatusPreference::Free() {
  StatusPreference p;
  for (Status s : {Status::kBonded, Status::kTaxFree, Status::kDutyPaid, Status::kDomestic}) {
    p.rank[static_cast<int>(s)] = 0;
  }
  return p;
}

StatusPreference StatusPreference::TaxFreeLast() {
  StatusPreference p = Free();
  p.rank[static_cast<int>(Status::kTaxFree)] = 1;
  return p;
}

StatusPreference StatusPreference::RefusedFirst() {
  StatusPreference p = Free();
  for (int8_t& rank : p.rank) rank = rank >= 0 ? 1 : rank;
  p.rank[static_cast<int>(Status::kRefused)] = 0;
  return p;
}

StatusPreference StatusPreference::Everything() {
  StatusPreference p;
  for (int8_t& rank : p.rank) rank = 0;
  return p;
}

StatusPreference StatusPreference::OutOfCustody() {
  StatusPreference p = Free();
  p.rank[static_cast<int>(Status::kRefused)] = 1;
  return p;
}

bool VisitHistory(const Ledger& ledger, std::vector<uint64_t> start, size_t lots_max,
                  const std::function<void(uint64_t id, const Lot& lot)>& visit) {
  std::vector<uint64_t>& stack = start;
  std::set<uint64_t> seen;
  while (!stack.empty() && seen.size() < lots_max) {
    const uint64_t id = stack.back();
    stack.pop_back();
    if (!seen.insert(id).second) continue;
    const Lot* lot = ledger.FindLot(id);
    if (lot == nullptr) continue;
    for (const LotParent& parent : lot->spec.parents) stack.push_back(parent.lot);
    visit(id, *lot);
  }
  while (!stack.empty() && seen.count(stack.back()) != 0) stack.pop_back();
  return stack.empty();
}

// ---- Reads ----

const Lot* Ledger::FindLot(uint64_t id) const {
  if (id == 0 || id > lots_.size()) return nullptr;
  return &lots_[id - 1];
}

const Pending* Ledger::FindPending(std::string_view document) const {
  auto it = pendings_.find(document);
  return it == pendings_.end() ? nullptr : &it->second;
}

Balance Ledger::AccountBalance(const AccountKey& key) const {
  auto it = accounts_.find(key);
  return it == accounts_.end() ? Balance{} : it->second;
}

bool LiveIds::Erase(uint64_t id) {
  if (front_ < ids_.size() && ids_[front_] == id) {
    ++front_;
    if (front_ == ids_.size() || (front_ >= 64 && 2 * front_ >= ids_.size())) {
      ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(front_));
      front_ = 0;
    }
    return true;
  }
  auto begin = ids_.begin() + static_cast<std::ptrdiff_t>(front_);
  auto it = std::lower_bound(begin, ids_.end(), id);
  if (it == ids_.end() || *it != id) it = std::find(begin, ids_.end(), id);
  if (it == ids_.end()) return false;
  ids_.erase(it);
  return true;
}

std::span<const uint64_t> Ledger::LiveLots(std::string_view party, std::string_view sku) const {
  auto it = live_lots_.find(LotIndexKey(party, sku));
  return it == live_lots_.end() ? std::span<const uint64_t>() : it->second.ids();
}

std::vector<uint64_t> Ledger::LotsCreatedBy(std::string_view document) const {
  auto it = lots_by_document_.find(document);
  return it == lots_by_document_.end() ? std::vector<uint64_t>{} : it->second;
}

std::vector<uint64_t> Ledger::PostingsOf(std::string_view document) const {
  auto it = postings_by_document_.find(document);
  return it == postings_by_document_.end() ? std::vector<uint64_t>{} : it->second;
}

bool Ledger::HasStock(std::string_view sku) const {
  auto it = stock_by_sku_.find(sku);
  return it != stock_by_sku_.end() && it->second > 0;
}

// ---- Writes ----

Balance& Ledger::MutableBalance(const AccountKey& key) {
  auto [it, inserted] = accounts_.try_emplace(key);
  if (inserted && key.internal()) skus_by_party_[key.party].insert(key.sku);
  return it->second;
}

const std::set<std::string>& Ledger::SkusOf(std::string_view party) const {
  static const std::set<std::string> kNone;
  auto it = skus_by_party_.find(party);
  return it == skus_by_party_.end() ? kNone : it->second;
}

Lot& Ledger::MutableLot(uint64_t id) {
  CHECK(id >= 1 && id <= lots_.size());
  return lots_[id - 1];
}

uint64_t Ledger::CreateLot(const LotSpec& spec, const std::string& document, Date date) {
  CHECK(!spec.party.empty() && !spec.sku.empty());
  CHECK(spec.amounts.quantity_milli > 0 && NonNegative(spec.amounts));
  CHECK(spec.parents.size() <= kParentsPerLotExecutedMax);
  Lot lot;
  lot.id = lots_.size() + 1;
  lot.spec = spec;
  lot.status = spec.status;
  lot.created_by = document;
  lot.created_on = date;
  lots_.push_back(std::move(lot));
  live_lots_[LotIndexKey(spec.party, spec.sku)].PushBack(lots_.back().id);
  lots_by_document_[document].push_back(lots_.back().id);
  return lots_.back().id;
}

// Moves amounts between two accounts and records the posting. Lot bookkeeping is the caller's.
void Ledger::Move(const std::string& document, Date date, const AccountKey& from, uint64_t from_lot,
                  const AccountKey& to, uint64_t to_lot, const Amounts& amounts) {
  CHECK(from.sku == to.sku);
  CHECK(amounts.quantity_milli > 0 && NonNegative(amounts));
  Balance& source = MutableBalance(from);
  Balance before = source;
  source.quantity_milli = CheckedAdd(source.quantity_milli, -amounts.quantity_milli);
  source.value_fen = CheckedAdd(source.value_fen, -amounts.value_fen);
  auto& [quantity_total, value_total] = sku_totals_[from.sku];
  quantity_total += source.quantity_milli - before.quantity_milli;
  value_total += source.value_fen - before.value_fen;
  Balance& target = MutableBalance(to);
  before = target;
  target.quantity_milli = CheckedAdd(target.quantity_milli, amounts.quantity_milli);
  target.value_fen = CheckedAdd(target.value_fen, amounts.value_fen);
  quantity_total += target.quantity_milli - before.quantity_milli;
  value_total += target.value_fen - before.value_fen;
  if (from.internal()) stock_by_sku_[from.sku] -= amounts.quantity_milli;
  if (to.internal()) stock_by_sku_[to.sku] += amounts.quantity_milli;
  Posting posting{postings_.size() + 1,   document,         date, from, to, from_lot, to_lot,
                  amounts.quantity_milli, amounts.value_fen};
  postings_.push_back(std::move(posting));
  postings_by_document_[document].push_back(postings_.back().id);
}

void Ledger::DropIfEmpty(const Lot& lot) {
  if (lot.on_hand.quantity_milli != 0) return;
  CHECK(lot.on_hand == Amounts{} && lot.reserved == Amounts{});
  auto it = live_lots_.find(LotIndexKey(lot.spec.party, lot.spec.sku));
  CHECK(it != live_lots_.end());
  CHECK(it->second.Erase(lot.id));
  if (it->second.empty()) live_lots_.erase(it);
}

void Ledger::Do(const Admit& op, Date date, Touched* touched) {
  uint64_t id = CreateLot(op.lot, op.document, date);
  Lot& lot = MutableLot(id);
  lot.on_hand = op.lot.amounts;
  Move(op.document, date, AccountKey::Outside(op.lot.party, op.lot.sku, op.from), 0,
       AccountKey::Internal(op.lot.party, op.lot.sku, op.lot.status), id, op.lot.amounts);
  touched->skus.insert(op.lot.sku);
  touched->party_skus.emplace(op.lot.party, op.lot.sku);
  touched->lots.insert(id);
}

void Ledger::Do(const Reserve& op, Date, Touched* touched) {
  CHECK(pendings_.find(op.document) == pendings_.end());
  CHECK(!op.slices.empty() && op.slices.size() <= kSlicesPerOperationMax);
  for (const Slice& slice : op.slices) {
    Lot& lot = MutableLot(slice.lot);
    CHECK(lot.spec.party == op.party);
    // The planner computed the slice from the same state; a difference is a bug.
    CHECK(Portion(lot.Free(), slice.amounts.quantity_milli) == slice.amounts);
    CHECK(slice.amounts.quantity_milli > 0);
    lot.reserved += slice.amounts;
    Balance& balance =
        MutableBalance(AccountKey::Internal(lot.spec.party, lot.spec.sku, lot.status));
    balance.reserved_milli = CheckedAdd(balance.reserved_milli, slice.amounts.quantity_milli);
    touched->party_skus.emplace(lot.spec.party, lot.spec.sku);
    touched->lots.insert(lot.id);
  }
  Pending pending;
  pending.document = op.document;
  pending.party = op.party;
  pending.slices = op.slices;
  pending.destination = op.destination;
  pendings_.emplace(op.document, std::move(pending));
}

void Ledger::Do(const ExpectIncoming& op, Date, Touched* touched) {
  CHECK(pendings_.find(op.document) == pendings_.end());
  CHECK(!op.lots.empty());
  for (const LotSpec& spec : op.lots) {
    CHECK(spec.party == op.party && spec.amounts.quantity_milli > 0);
    Balance& balance = MutableBalance(AccountKey::Internal(spec.party, spec.sku, spec.status));
    balance.incoming_milli = CheckedAdd(balance.incoming_milli, spec.amounts.quantity_milli);
    stock_by_sku_[spec.sku] += spec.amounts.quantity_milli;
    touched->party_skus.emplace(spec.party, spec.sku);
  }
  Pending pending;
  pending.document = op.document;
  pending.party = op.party;
  pending.incoming = op.lots;
  pending.incoming_from = op.from;
  pendings_.emplace(op.document, std::move(pending));
}

void Ledger::Do(const Post& op, Date date, Touched* touched) {
  auto it = pendings_.find(op.document);
  CHECK(it != pendings_.end());
  const Pending pending = std::move(it->second);
  pendings_.erase(it);
  for (const LotSpec& spec : pending.incoming) {
    Balance& balance = MutableBalance(AccountKey::Internal(spec.party, spec.sku, spec.status));
    balance.incoming_milli = CheckedAdd(balance.incoming_milli, -spec.amounts.quantity_milli);
    stock_by_sku_[spec.sku] -= spec.amounts.quantity_milli;
    Do(Admit{pending.document, spec, pending.incoming_from}, date, touched);
  }
  const Destination& destination = op.destination ? *op.destination : pending.destination;
  for (const Slice& slice : pending.slices) {
    Lot& lot = MutableLot(slice.lot);
    AccountKey from = AccountKey::Internal(lot.spec.party, lot.spec.sku, lot.status);
    lot.reserved -= slice.amounts;
    lot.on_hand -= slice.amounts;
    Balance& balance = MutableBalance(from);
    balance.reserved_milli = CheckedAdd(balance.reserved_milli, -slice.amounts.quantity_milli);
    touched->skus.insert(lot.spec.sku);
    touched->party_skus.emplace(lot.spec.party, lot.spec.sku);
    touched->lots.insert(lot.id);
    if (destination.external) {
      Move(pending.document, date, from, lot.id,
           AccountKey::Outside(pending.party, lot.spec.sku, destination.account), 0, slice.amounts);
    } else {
      LotSpec child = lot.spec;
      child.party = destination.party;
      child.status = destination.keep_status ? lot.status : destination.status;
      child.release_status = child.status;
      child.source = destination.source;
      child.amounts = slice.amounts;
      child.parents = {LotParent{lot.id, slice.amounts.quantity_milli}};
      uint64_t child_id = CreateLot(child, pending.document, date);
      Lot& created = MutableLot(child_id);  // `lot` may dangle after CreateLot grows lots_
      created.on_hand = slice.amounts;
      Move(pending.document, date, from, slice.lot,
           AccountKey::Internal(destination.party, child.sku, child.status), child_id,
           slice.amounts);
      touched->party_skus.emplace(destination.party, child.sku);
      touched->lots.insert(child_id);
    }
    DropIfEmpty(MutableLot(slice.lot));
  }
}

void Ledger::Do(const Void& op, Date, Touched* touched) {
  auto it = pendings_.find(op.document);
  CHECK(it != pendings_.end());
  for (const LotSpec& spec : it->second.incoming) {
    Balance& balance = MutableBalance(AccountKey::Internal(spec.party, spec.sku, spec.status));
    balance.incoming_milli = CheckedAdd(balance.incoming_milli, -spec.amounts.quantity_milli);
    stock_by_sku_[spec.sku] -= spec.amounts.quantity_milli;
    touched->party_skus.emplace(spec.party, spec.sku);
  }
  for (const Slice& slice : it->second.slices) {
    Lot& lot = MutableLot(slice.lot);
    lot.reserved -= slice.amounts;
    Balance& balance =
        MutableBalance(AccountKey::Internal(lot.spec.party, lot.spec.sku, lot.status));
    balance.reserved_milli = CheckedAdd(balance.reserved_milli, -slice.amounts.quantity_milli);
    touched->party_skus.emplace(lot.spec.party, lot.spec.sku);
    touched->lots.insert(lot.id);
  }
  pendings_.erase(it);
}

void Ledger::Do(const ChangeStatus& op, Date date, Touched* touched) {
  Lot& lot = MutableLot(op.lot);
  CHECK(lot.reserved == Amounts{});
  touched->party_skus.emplace(lot.spec.party, lot.spec.sku);
  touched->skus.insert(lot.spec.sku);
  touched->lots.insert(lot.id);
  if (lot.status == op.status) return;
  Status from = lot.status;
  lot.status = op.status;
  if (lot.on_hand.quantity_milli == 0) return;
  Amounts amounts = lot.on_hand;
  Move(op.document, date, AccountKey::Internal(lot.spec.party, lot.spec.sku, from), op.lot,
       AccountKey::Internal(lot.spec.party, lot.spec.sku, op.status), op.lot, amounts);
}

void Ledger::Execute(const std::vector<Operation>& operations, Date date) {
  Touched touched;
  for (const Operation& operation : operations) {
    std::visit([&](const auto& op) { Do(op, date, &touched); }, operation);
  }
  for (const std::string& sku : touched.skus) {
    auto it = sku_totals_.find(sku);
    CHECK(it == sku_totals_.end() || (it->second.first == 0 && it->second.second == 0));
  }
  for (const auto& [party, sku] : touched.party_skus) CheckAccounts(party, sku);
  for (uint64_t id : touched.lots) CheckLot(*FindLot(id));
  last_touched_lots_.assign(touched.lots.begin(), touched.lots.end());
  ++executions_;
}

// ---- Invariants ----

void Ledger::CheckAccounts(const std::string& party, const std::string& sku) const {
  for (int s = 0; s < kStatusCount; ++s) {
    Balance balance = AccountBalance(AccountKey::Internal(party, sku, static_cast<Status>(s)));
    CHECK(balance.quantity_milli >= 0 && balance.value_fen >= 0);  // no balance below zero
    CHECK(balance.reserved_milli >= 0 && balance.reserved_milli <= balance.quantity_milli);
    CHECK(balance.incoming_milli >= 0);
  }
}

void Ledger::CheckPartySku(std::span<const uint64_t> live_lots,
                           const Balance (&internal)[kStatusCount]) const {
  Amounts on_hand[kStatusCount], reserved[kStatusCount];
  for (uint64_t id : live_lots) {
    const Lot& lot = *FindLot(id);
    on_hand[static_cast<int>(lot.status)] += lot.on_hand;
    reserved[static_cast<int>(lot.status)] += lot.reserved;
  }
  for (int s = 0; s < kStatusCount; ++s) {
    const Balance& balance = internal[s];
    CHECK(balance.quantity_milli >= 0 && balance.value_fen >= 0);  // no balance below zero
    CHECK(balance.reserved_milli >= 0 && balance.reserved_milli <= balance.quantity_milli);
    CHECK(balance.incoming_milli >= 0);
    CHECK(balance.quantity_milli == on_hand[s].quantity_milli);  // the account is its lots
    CHECK(balance.value_fen == on_hand[s].value_fen);
    CHECK(balance.reserved_milli == reserved[s].quantity_milli);
  }
}

void Ledger::CheckLot(const Lot& lot) const {
  CHECK(NonNegative(lot.on_hand) && NonNegative(lot.reserved));
  CHECK(AllLessOrEqual(lot.reserved, lot.on_hand));
  CHECK(lot.on_hand.quantity_milli > 0 || lot.on_hand == Amounts{});
}

namespace {

// live_lots_ by party and sku, found by hash: a lookup in live_lots_ itself builds the joined key
// and walks an ordered map of strings (a cache miss per level), which for every party and sku of
// a long history was the longest part of a snapshot's load.
class LiveLotsByHash {
 public:
  using Lots = std::map<std::string, LiveIds, std::less<>>;

  explicit LiveLotsByHash(const Lots& lots) {
    table_.Reserve(lots.size());
    for (const auto& entry : lots) {
      const std::string_view key = entry.first;
      const size_t cut = key.find('\x1f');
      CHECK(cut != std::string_view::npos);
      table_.Insert(Slot{Hash(key.substr(0, cut), key.substr(cut + 1)), &entry});
    }
  }

  // The ids of the live lots of `party` and `sku`; empty when there are none.
  std::span<const uint64_t> Find(std::string_view party, std::string_view sku) const {
    const uint64_t hash = Hash(party, sku);
    const Slot* slot = table_.Find(hash, [&](const Slot& s) {
      const std::string_view key = s.entry->first;
      return s.hash == hash && key.size() == party.size() + 1 + sku.size() &&
             key.starts_with(party) && key[party.size()] == '\x1f' && key.ends_with(sku);
    });
    return slot == nullptr ? std::span<const uint64_t>() : slot->entry->second.ids();
  }

 private:
  struct Slot {
    uint64_t hash;
    const Lots::value_type* entry;  // nullptr: empty
  };
  struct Traits {
    static bool Used(const Slot& slot) { return slot.entry != nullptr; }
    static uint64_t Home(const Slot& slot) { return slot.hash; }
  };
  static uint64_t Hash(std::string_view party, std::string_view sku) {
    uint64_t h = std::hash<std::string_view>{}(party);
    return (h * 0x9e3779b97f4a7c15ull) ^ std::hash<std::string_view>{}(sku);
  }

  GrowingTable<Slot, Traits> table_;
};

}  // namespace

// One pass over the accounts, which are ordered by sku, then party, then code: each sku's accounts
// are contiguous, and within them each party's.
void Ledger::CheckAllInvariants() const {
  const LiveLotsByHash live_lots(live_lots_);
  auto it = accounts_.begin();
  while (it != accounts_.end()) {
    const std::string& sku = it->first.sku;
    __int128 quantity = 0, value = 0;
    while (it != accounts_.end() && it->first.sku == sku) {
      const std::string& party = it->first.party;
      Balance internal[kStatusCount] = {};
      bool has_internal = false;
      for (; it != accounts_.end() && it->first.sku == sku && it->first.party == party; ++it) {
        quantity += it->second.quantity_milli;
        value += it->second.value_fen;
        if (it->first.internal()) {
          internal[static_cast<int>(it->first.status())] = it->second;
          has_internal = true;
        }
      }
      if (has_internal) CheckPartySku(live_lots.Find(party, sku), internal);
    }
    CHECK(quantity == 0);  // every posting of this sku balanced
    CHECK(value == 0);
  }
  for (const Lot& lot : lots_) CheckLot(lot);
}

// ---- Planner ----

Amounts Planner::FreeOf(const Lot& lot) const {
  Amounts free = lot.Free();
  auto it = taken_.find(lot.id);
  if (it != taken_.end()) free -= it->second;
  return free;
}

int64_t Planner::FreeQuantity(std::string_view party, std::string_view sku,
                              const StatusPreference& preference) const {
  // From the accounts, which equal the sum of their lots: no walk over a party's lots.
  int64_t total = 0;
  for (int s = 0; s < kStatusCount; ++s) {
    if (!preference.Allows(static_cast<Status>(s))) continue;
    AccountKey key = AccountKey::Internal(party, sku, static_cast<Status>(s));
    Balance balance = ledger_.AccountBalance(key);
    auto taken = taken_by_account_.find(key);
    total = CheckedAdd(total, balance.quantity_milli - balance.reserved_milli -
                                  (taken == taken_by_account_.end() ? 0 : taken->second));
  }
  return total;
}

bool Planner::Take(std::string_view party, std::string_view sku, int64_t quantity_milli,
                   const StatusPreference& preference, std::vector<Slice>* slices,
                   size_t slices_max, bool* too_many) {
  CHECK(quantity_milli > 0);
  if (FreeQuantity(party, sku, preference) < quantity_milli) return false;
  int8_t last_tier = *std::max_element(std::begin(preference.rank), std::end(preference.rank));
  int64_t remaining = quantity_milli;
  for (int8_t tier = 0; tier <= last_tier && remaining > 0; ++tier) {
    for (uint64_t id : ledger_.LiveLots(party, sku)) {
      if (remaining == 0) break;
      const Lot& lot = *ledger_.FindLot(id);
      if (preference.rank[static_cast<int>(lot.status)] != tier) continue;
      Amounts free = FreeOf(lot);
      if (free.quantity_milli == 0) continue;
      if (too_many != nullptr && slices->size() >= slices_max) {
        *too_many = true;
        return false;
      }
      Slice slice{id, Portion(free, std::min(remaining, free.quantity_milli))};
      taken_[id] += slice.amounts;
      taken_by_account_[AccountKey::Internal(party, sku, lot.status)] +=
          slice.amounts.quantity_milli;
      remaining -= slice.amounts.quantity_milli;
      slices->push_back(slice);
    }
  }
  CHECK(remaining == 0);
  return true;
}

Slice Planner::TakeLot(uint64_t id) {
  const Lot* lot = ledger_.FindLot(id);
  CHECK(lot != nullptr);
  Slice slice{id, FreeOf(*lot)};
  taken_[id] += slice.amounts;
  taken_by_account_[AccountKey::Internal(lot->spec.party, lot->spec.sku, lot->status)] +=
      slice.amounts.quantity_milli;
  return slice;
}

void Planner::Add(const AccountKey& key, int64_t quantity_milli, int64_t value_fen) {
  auto& [quantity, value] = deltas_[key];
  quantity = CheckedAdd(quantity, quantity_milli);
  value = CheckedAdd(value, value_fen);
}

bool Planner::WithinLimits() const {
  auto within = [](__int128 amount) {
    return amount <= kAccountMagnitudeMax && amount >= -kAccountMagnitudeMax;
  };
  for (const auto& [key, delta] : deltas_) {
    Balance balance = ledger_.AccountBalance(key);
    __int128 quantity = static_cast<__int128>(balance.quantity_milli) + delta.first;
    if (key.internal()) quantity += balance.incoming_milli;
    if (!within(quantity) || !within(static_cast<__int128>(balance.value_fen) + delta.second)) {
      return false;
    }
  }
  return true;
}

}  // namespace twoline::ledger

// ---- Snapshots ----

namespace twoline::ledger {
namespace {

void SaveAmounts(BinaryWriter& out, const Amounts& a) {
  out.I64(a.quantity_milli);
  out.I64(a.value_fen);
  out.I64(a.imported_input_fen);
  out.I64(a.mainland_input_fen);
}

Amounts LoadAmounts(BinaryReader& in) {
  Amounts a;
  a.quantity_milli = in.I64();
  a.value_fen = in.I64();
  a.imported_input_fen = in.I64();
  a.mainland_input_fen = in.I64();
  return a;
}

void SaveKey(BinaryWriter& out, const AccountKey& key) {
  out.Bytes(key.sku);
  out.Bytes(key.party);
  out.U8(key.code);
}

AccountKey LoadKey(BinaryReader& in) {
  AccountKey key;
  key.sku = in.Bytes();
  key.party = in.Bytes();
  key.code = in.U8();
  if (!(key.code < kStatusCount || (key.code >= 16 && key.code < 16 + kExternalCount))) in.Fail();
  return key;
}

Status LoadStatus(BinaryReader& in) {
  uint8_t value = in.U8();
  if (value >= kStatusCount) in.Fail();
  return static_cast<Status>(value < kStatusCount ? value : 0);
}

void SaveSpec(BinaryWriter& out, const LotSpec& spec) {
  out.Bytes(spec.party);
  out.Bytes(spec.sku);
  out.U8(static_cast<uint8_t>(spec.status));
  out.U8(static_cast<uint8_t>(spec.release_status));
  out.Bytes(spec.origin);
  out.Bool(spec.produced_on.has_value());
  out.I64(spec.produced_on.value_or(0));
  out.U8(static_cast<uint8_t>(spec.source));
  out.Bool(spec.processed);
  SaveAmounts(out, spec.amounts);
  out.U64(spec.parents.size());
  for (const LotParent& parent : spec.parents) {
    out.U64(parent.lot);
    out.I64(parent.quantity_milli);
  }
}

LotSpec LoadSpec(BinaryReader& in) {
  LotSpec spec;
  spec.party = in.Bytes();
  spec.sku = in.Bytes();
  spec.status = LoadStatus(in);
  spec.release_status = LoadStatus(in);
  spec.origin = in.Bytes();
  spec.produced_on = in.OptionalI32();
  uint8_t source = in.U8();
  if (source > static_cast<uint8_t>(LotSource::kStatusChange)) in.Fail();
  spec.source = static_cast<LotSource>(source);
  spec.processed = in.Bool();
  spec.amounts = LoadAmounts(in);
  uint64_t parents = in.Count(16);
  spec.parents.resize(parents);
  for (LotParent& parent : spec.parents) {
    parent.lot = in.U64();
    parent.quantity_milli = in.I64();
  }
  return spec;
}

void SaveDestination(BinaryWriter& out, const Destination& d) {
  out.Bool(d.external);
  out.U8(static_cast<uint8_t>(d.account));
  out.Bytes(d.party);
  out.U8(static_cast<uint8_t>(d.status));
  out.Bool(d.keep_status);
  out.U8(static_cast<uint8_t>(d.source));
}

Destination LoadDestination(BinaryReader& in) {
  Destination d;
  d.external = in.Bool();
  uint8_t account = in.U8();
  if (account >= kExternalCount) in.Fail();
  d.account = static_cast<External>(account);
  d.party = in.Bytes();
  d.status = LoadStatus(in);
  d.keep_status = in.Bool();
  uint8_t source = in.U8();
  if (source > static_cast<uint8_t>(LotSource::kStatusChange)) in.Fail();
  d.source = static_cast<LotSource>(source);
  return d;
}

// The ids of a list, whichever way it is kept.
std::span<const uint64_t> IdsOf(const std::vector<uint64_t>& ids) { return ids; }
std::span<const uint64_t> IdsOf(const LiveIds& ids) { return ids.ids(); }

template <typename Map, typename Offer>
void SaveIdLists(BinaryWriter& out, const Map& map, const Offer& offer) {
  out.U64(map.size());
  for (const auto& [key, list] : map) {
    out.Bytes(key);
    std::span<const uint64_t> ids = IdsOf(list);
    out.U64(ids.size());
    for (uint64_t id : ids) out.U64(id);
    offer();
  }
}

template <typename Map>
void LoadIdLists(BinaryReader& in, Map* map) {
  uint64_t count = in.Count(16);
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    std::string key = in.Bytes();
    std::vector<uint64_t> ids(in.Count(8));
    for (uint64_t& id : ids) id = in.U64();
    InsertLoaded(in, map, std::move(key), typename Map::mapped_type(std::move(ids)));
  }
}

}  // namespace

void Ledger::Save(BinaryWriter& out, const Spill& spill) const {
  auto offer = [&] {
    if (spill) spill(out.out());
  };
  out.U64(accounts_.size());
  for (const auto& [key, balance] : accounts_) {
    SaveKey(out, key);
    out.I64(balance.quantity_milli);
    out.I64(balance.value_fen);
    out.I64(balance.reserved_milli);
    out.I64(balance.incoming_milli);
    offer();
  }
  out.U64(lots_.size());
  for (const Lot& lot : lots_) {
    out.U64(lot.id);
    SaveSpec(out, lot.spec);
    out.U8(static_cast<uint8_t>(lot.status));
    out.Bytes(lot.created_by);
    out.I64(lot.created_on);
    SaveAmounts(out, lot.on_hand);
    SaveAmounts(out, lot.reserved);
    offer();
  }
  SaveIdLists(out, live_lots_, offer);
  out.U64(pendings_.size());
  for (const auto& [document, pending] : pendings_) {
    out.Bytes(pending.document);
    out.Bytes(pending.party);
    out.U64(pending.slices.size());
    for (const Slice& slice : pending.slices) {
      out.U64(slice.lot);
      SaveAmounts(out, slice.amounts);
    }
    SaveDestination(out, pending.destination);
    out.U64(pending.incoming.size());
    for (const LotSpec& spec : pending.incoming) SaveSpec(out, spec);
    out.U8(static_cast<uint8_t>(pending.incoming_from));
    offer();
  }
  out.U64(postings_.size());
  for (const Posting& p : postings_) {
    out.U64(p.id);
    out.Bytes(p.document);
    out.I64(p.date);
    SaveKey(out, p.from);
    SaveKey(out, p.to);
    out.U64(p.from_lot);
    out.U64(p.to_lot);
    out.I64(p.quantity_milli);
    out.I64(p.value_fen);
    offer();
  }
  SaveIdLists(out, lots_by_document_, offer);
  SaveIdLists(out, postings_by_document_, offer);
  out.U64(stock_by_sku_.size());
  for (const auto& [sku, stock] : stock_by_sku_) {
    out.Bytes(sku);
    out.I64(stock);
  }
  out.U64(sku_totals_.size());
  for (const auto& [sku, totals] : sku_totals_) {
    out.Bytes(sku);
    out.I64(totals.first);
    out.I64(totals.second);
  }
}

bool Ledger::Load(BinaryReader& in) {
  *this = Ledger();
  uint64_t accounts = in.Count(8 + 8 + 1 + 32);
  for (uint64_t i = 0; i < accounts && in.ok(); ++i) {
    AccountKey key = LoadKey(in);
    Balance balance;
    balance.quantity_milli = in.I64();
    balance.value_fen = in.I64();
    balance.reserved_milli = in.I64();
    balance.incoming_milli = in.I64();
    InsertLoaded(in, &accounts_, std::move(key), balance);
  }
  uint64_t lots = in.Count(64);
  lots_.reserve(lots);
  for (uint64_t i = 0; i < lots && in.ok(); ++i) {
    Lot lot;
    lot.id = in.U64();
    if (lot.id != i + 1) in.Fail();  // lot id i is lots_[i - 1]
    lot.spec = LoadSpec(in);
    lot.status = LoadStatus(in);
    lot.created_by = in.Bytes();
    lot.created_on = in.I64AsI32();
    lot.on_hand = LoadAmounts(in);
    lot.reserved = LoadAmounts(in);
    lots_.push_back(std::move(lot));
  }
  LoadIdLists(in, &live_lots_);
  uint64_t pendings = in.Count(32);
  for (uint64_t i = 0; i < pendings && in.ok(); ++i) {
    Pending pending;
    pending.document = in.Bytes();
    pending.party = in.Bytes();
    pending.slices.resize(in.Count(40));
    for (Slice& slice : pending.slices) {
      slice.lot = in.U64();
      slice.amounts = LoadAmounts(in);
    }
    pending.destination = LoadDestination(in);
    pending.incoming.resize(in.Count(32));
    for (LotSpec& spec : pending.incoming) spec = LoadSpec(in);
    uint8_t from = in.U8();
    if (from >= kExternalCount) in.Fail();
    pending.incoming_from = static_cast<External>(from);
    std::string document = pending.document;
    InsertLoaded(in, &pendings_, std::move(document), std::move(pending));
  }
  uint64_t postings = in.Count(64);
  postings_.reserve(postings);
  for (uint64_t i = 0; i < postings && in.ok(); ++i) {
    Posting p;
    p.id = in.U64();
    p.document = in.Bytes();
    p.date = in.I64AsI32();
    p.from = LoadKey(in);
    p.to = LoadKey(in);
    p.from_lot = in.U64();
    p.to_lot = in.U64();
    p.quantity_milli = in.I64();
    p.value_fen = in.I64();
    postings_.push_back(std::move(p));
  }
  LoadIdLists(in, &lots_by_document_);
  LoadIdLists(in, &postings_by_document_);
  uint64_t stocks = in.Count(16);
  for (uint64_t i = 0; i < stocks && in.ok(); ++i) {
    std::string sku = in.Bytes();
    int64_t stock = in.I64();
    InsertLoaded(in, &stock_by_sku_, std::move(sku), stock);
  }
  uint64_t totals = in.Count(24);
  for (uint64_t i = 0; i < totals && in.ok(); ++i) {
    std::string sku = in.Bytes();
    int64_t quantity = in.I64();
    int64_t value = in.I64();
    InsertLoaded(in, &sku_totals_, std::move(sku), std::pair<int64_t, int64_t>{quantity, value});
  }
  for (const auto& [key, balance] : accounts_) {
    if (key.internal()) skus_by_party_[key.party].insert(key.sku);
  }
  // Lot ids a live list names must exist: a snapshot is checked, never trusted.
  for (const auto& [key, ids] : live_lots_) {
    for (uint64_t id : ids.ids()) {
      if (id == 0 || id > lots_.size()) in.Fail();
    }
  }
  if (!in.ok()) *this = Ledger();
  return in.ok();
}

}  // namespace twoline::ledger
