// Ledger: the double-entry goods ledger of one zone (SPEC §4 behaviours 6-8, docs/ledger.md).
//
// Accounts. Every account is keyed by (sku, party, code). Internal accounts hold a party's goods in
// one customs status (bonded, tax_free, duty_paid, domestic, held, refused); external accounts
// stand for where goods come from or go to (outside the first line, outside the second line,
// consumed, scrapped, shortage, overage, and produced — the source of zone-processing outputs). A
// posting moves a quantity (thousandths of the item unit) and a value (CNY fen) from one account to
// another of the same sku, so for every sku the balances of all accounts sum to zero in both
// quantity and value.
//
// Lots. Goods on an internal account are held in lots: every admission creates a lot that remembers
// its origin, production date, the document that created it, its customs value and the imported and
// mainland input value it contains (for the Hengqin 30% rule), and its parent lots (for `trace`).
// Withdrawals take lots first-in first-out (ascending lot id) within the caller's status
// preference. Taking part of a lot takes the same share of its value and input values, rounded half
// up to the fen; taking the whole remainder takes exactly what is left, so shares always add up to
// the lot.
//
// Two-phase transfers (TigerBeetle's pending/post/void). A Reserve operation sets goods aside for a
// document (a pending transfer): the lots' reserved amounts grow, nothing moves. Post moves the
// reserved slices to the pending destination; Void releases them. An ExpectIncoming operation
// records goods announced at a line but not yet through the gate: it moves nothing and shows as
// `incoming`; Post admits them as new lots, Void forgets them. Pending transfers are keyed by
// document id.
//
// Invariants. After every Execute, on everything it touched: every posting balances (one sku, the
// same amounts out of one account and into the other), and per sku the running total of all balance
// changes is zero in quantity and value; no internal account and no lot is below zero; reserved ≤
// on hand for every touched lot and account. CheckAllInvariants (run when the engine's state hash
// is taken, and by the tests) also sums every account of every sku and checks that each internal
// account equals the sum of its live lots — sweeps too slow for every command of a busy zone (they
// grow with the number of parties and lots). A broken invariant is a bug and aborts (base/check.h);
// business refusals are decided before Execute, using Planner.
//
// Thread-safety: none. Owned by the engine's single writer thread; const methods may be called by
// readers only when the writer is not running.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/binary.h"
#include "base/encoding.h"
#include "base/stable_vector.h"
#include "base/time.h"

namespace twoline::ledger {

// Customs statuses of goods on internal accounts (SPEC §4.6).
enum class Status : uint8_t {
  kBonded = 0,
  kTaxFree = 1,
  kDutyPaid = 2,
  kDomestic = 3,
  kHeld = 4,
  kRefused = 5
};
inline constexpr int kStatusCount = 6;
// External accounts: where goods come from and go to.
enum class External : uint8_t {
  kOutsideFirstLine = 0,
  kOutsideSecondLine = 1,
  kConsumed = 2,
  kScrapped = 3,
  kShortage = 4,
  kOverage = 5,
  kProduced = 6,
};
inline constexpr int kExternalCount = 7;

const char* StatusName(Status status);        // "bonded", "tax_free", ...
const char* ExternalName(External external);  // "outside_first_line", ...
std::optional<Status> ParseStatus(std::string_view name);

// How a lot came to be. Admissions (first/second line in, overage) are the roots of every trace.
enum class LotSource : uint8_t {
  kFirstLineIn = 0,
  kSecondLineIn = 1,
  kOverage = 2,
  kProcess = 3,       // output of zone processing; parents are the inputs consumed
  kTransfer = 4,      // taken from another party's lot
  kStatusChange = 5,  // part of a lot that changed status (e.g. refused after a failed inspection)
};
const char* LotSourceName(LotSource source);
inline bool IsAdmission(LotSource source) {
  return source == LotSource::kFirstLineIn || source == LotSource::kSecondLineIn ||
         source == LotSource::kOverage;
}

// Upper bounds (STYLE: a limit on everything). The engine refuses commands that would exceed them,
// so the ledger's own CHECKs never fire on user input. A command's cost grows with the lots it takes
// (planning, postings, read-model rows), so the lots one document may take are bounded well below
// what the ledger itself accepts (a journal decided under the earlier bound of 100,000 stops no
// process: `verify` names the seq whose decision changed).
inline constexpr int64_t kAccountMagnitudeMax = 100'000'000'000'000'000;  // 1e17 thousandths or fen
inline constexpr size_t kSlicesPerDocumentMax = 10'000;   // decided: lots one document may take
inline constexpr size_t kParentsPerLotMax = 10'000;       // decided: input lots of one process
inline constexpr size_t kSlicesPerOperationMax = 100'000;  // executed (CHECKed)
inline constexpr size_t kParentsPerLotExecutedMax = 100'000;

// Quantities and values that travel together. All non-negative in lots, reservations and postings.
struct Amounts {
  int64_t quantity_milli = 0;
  int64_t value_fen = 0;           // customs value in CNY fen
  int64_t imported_input_fen = 0;  // value that came in through the first line
  int64_t mainland_input_fen = 0;  // value that came in from the mainland (second line in)

  Amounts& operator+=(const Amounts& other);
  Amounts& operator-=(const Amounts& other);
  bool operator==(const Amounts&) const = default;
};
Amounts operator-(Amounts a, const Amounts& b);
// The share of `available` that `quantity_milli` takes: every amount scaled by
// quantity / available.quantity, rounded half up; all of it when quantity equals what is available.
Amounts Portion(const Amounts& available, int64_t quantity_milli);

struct AccountKey {
  std::string sku;
  std::string party;
  uint8_t code = 0;  // a Status, or 16 + an External

  static AccountKey Internal(std::string_view party, std::string_view sku, Status status);
  static AccountKey Outside(std::string_view party, std::string_view sku, External external);
  bool internal() const { return code < 16; }
  Status status() const;      // CHECKs internal()
  External external() const;  // CHECKs !internal()
  std::string Name() const;   // "bonded", "outside_first_line", ...
  auto operator<=>(const AccountKey&) const = default;
};

struct Balance {
  int64_t quantity_milli =
      0;  // internal: on hand; external: minus what came from it plus what went to it
  int64_t value_fen = 0;
  int64_t reserved_milli = 0;  // internal: set aside by pending transfers
  int64_t incoming_milli = 0;  // internal: announced by pending inbound transfers
};

struct LotParent {
  uint64_t lot = 0;
  int64_t quantity_milli = 0;  // how much of the parent went into this lot
};

// What a new lot is made of.
struct LotSpec {
  std::string party, sku;
  Status status = Status::kBonded;
  Status release_status = Status::kBonded;  // for held lots: the status they take when released
  std::string origin;  // ISO 3166 country or subdivision; empty when unknown (overage, processed)
  std::optional<Date> produced_on;
  LotSource source = LotSource::kFirstLineIn;
  bool processed = false;  // made by zone processing (or taken from such a lot)
  Amounts amounts;
  std::vector<LotParent> parents;
};

struct Lot {
  uint64_t id = 0;
  LotSpec spec;  // as created; spec.amounts is the original quantity and value
  Status status = Status::kBonded;
  std::string created_by;  // the document (declaration, process, stocktake) that created the lot
  Date created_on = 0;
  Amounts on_hand;
  Amounts reserved;
  Amounts Free() const { return on_hand - reserved; }
};

// A part of a lot taken by a document.
struct Slice {
  uint64_t lot = 0;
  Amounts amounts;
  bool operator==(const Slice&) const = default;
};

// Where a posted slice goes: an external account of the owner, or an internal account (then a child
// lot is created for `party` with `status`, remembering the slice's lot as its parent).
struct Destination {
  bool external = true;
  External account = External::kOutsideFirstLine;
  std::string party;
  Status status = Status::kBonded;
  bool keep_status = false;  // child lots keep the status of the lot they came from (transfers)
  LotSource source = LotSource::kTransfer;  // child lots' source
  bool operator==(const Destination&) const = default;
};

struct Pending {
  std::string document;
  std::string party;  // owner of the reserved or incoming goods
  std::vector<Slice> slices;
  Destination destination;
  std::vector<LotSpec> incoming;  // ExpectIncoming: lots to admit on Post
  External incoming_from = External::kOutsideFirstLine;
};

struct Posting {
  uint64_t id = 0;
  std::string document;
  Date date = 0;
  AccountKey from, to;
  uint64_t from_lot = 0;  // 0 for an external account
  uint64_t to_lot = 0;
  int64_t quantity_milli = 0;
  int64_t value_fen = 0;
};

// Operations (executed in order by Ledger::Execute).
struct Admit {  // a new lot, posted from an external account
  std::string document;
  LotSpec lot;
  External from = External::kOutsideFirstLine;
};
struct Reserve {  // a pending transfer of slices; amounts must equal what Portion gives at Execute
  std::string document;
  std::string party;
  std::vector<Slice> slices;
  Destination destination;
};
struct ExpectIncoming {  // a pending inbound transfer
  std::string document;
  std::string party;
  std::vector<LotSpec> lots;
  External from = External::kOutsideFirstLine;
};
struct Post {  // posts a pending transfer, optionally to another destination than reserved
  std::string document;
  std::optional<Destination> destination;
};
struct Void {
  std::string document;
};
struct ChangeStatus {  // the whole (unreserved) remainder of a lot changes status in place
  std::string document;
  uint64_t lot = 0;
  Status status = Status::kBonded;
};
using Operation = std::variant<Admit, Reserve, ExpectIncoming, Post, Void, ChangeStatus>;

// The live lots of one party and sku, ascending id. Goods leave first in first out, so ids leave
// mostly from the front: those are skipped (front_) and dropped together once they are the larger
// part, so that using up a party's oldest lot costs the same however many lots it holds (erasing
// from the front of a vector moved every other id). Another id is found by binary search (by a
// scan if the list is not in order) and erased in place.
class LiveIds {
 public:
  LiveIds() = default;
  explicit LiveIds(std::vector<uint64_t> ids) : ids_(std::move(ids)) {}
  std::span<const uint64_t> ids() const { return {ids_.data() + front_, ids_.size() - front_}; }
  bool empty() const { return front_ == ids_.size(); }
  void PushBack(uint64_t id) { ids_.push_back(id); }
  // False when `id` is not in the list.
  bool Erase(uint64_t id);

 private:
  std::vector<uint64_t> ids_;
  size_t front_ = 0;  // ids_[0, front_) have left
};

class Ledger {
 public:
  // Executes operations in order, then CHECKs the invariants on everything touched. Every
  // operation must be valid (planned with Planner against this state): anything else is a bug.
  void Execute(const std::vector<Operation>& operations, Date date);

  const Lot* FindLot(uint64_t id) const;
  const Pending* FindPending(std::string_view document) const;
  Balance AccountBalance(const AccountKey& key) const;
  const std::map<AccountKey, Balance>& accounts() const { return accounts_; }
  const StableVector<Lot>& lots() const { return lots_; }  // lot id i is lots()[i - 1]
  const StableVector<Posting>& postings() const { return postings_; }
  const std::map<std::string, Pending, std::less<>>& pendings() const { return pendings_; }
  // The skus a party has (or had) an internal account of, sorted: its balances without a scan.
  const std::set<std::string>& SkusOf(std::string_view party) const;
  // Live lots (on hand > 0) of a party and sku, ascending id (first in first).
  std::span<const uint64_t> LiveLots(std::string_view party, std::string_view sku) const;
  // Lots created by a document, and postings made for it, in order.
  std::vector<uint64_t> LotsCreatedBy(std::string_view document) const;
  std::vector<uint64_t> PostingsOf(std::string_view document) const;
  // True when some party holds the sku on an internal account or expects it.
  bool HasStock(std::string_view sku) const;
  uint64_t next_lot_id() const { return lots_.size() + 1; }
  // What the last Execute touched: the lots it created, reserved from, released, posted from or
  // changed the status of, in id order; and how many Executes ran. Read models re-read exactly
  // these lots after each command (store/read_models.h). Neither is state: they are not hashed,
  // saved or loaded, and a loaded ledger starts at 0 executions.
  const std::vector<uint64_t>& last_touched_lots() const { return last_touched_lots_; }
  uint64_t executions() const { return executions_; }

  // Snapshots (engine/snapshot.cc): every member, indexes included, in a form Load restores
  // exactly, offering what has been written to `spill` after each record. Maps in key order,
  // vectors in the order the journal filled them: the bytes are a function of the ledger alone
  // (they are a part of the state hash). Load returns false on malformed input (the reader's
  // fault) and leaves the ledger empty.
  void Save(BinaryWriter& out, const Spill& spill = nullptr) const;
  bool Load(BinaryReader& in);
  // CHECKs every invariant over the whole ledger (tests; Execute checks only what it touched).
  void CheckAllInvariants() const;

 private:
  struct Touched {
    std::set<std::string> skus;
    std::set<std::pair<std::string, std::string>> party_skus;
    std::set<uint64_t> lots;
  };
  void Do(const Admit& op, Date date, Touched* touched);
  void Do(const Reserve& op, Date date, Touched* touched);
  void Do(const ExpectIncoming& op, Date date, Touched* touched);
  void Do(const Post& op, Date date, Touched* touched);
  void Do(const Void& op, Date date, Touched* touched);
  void Do(const ChangeStatus& op, Date date, Touched* touched);
  uint64_t CreateLot(const LotSpec& spec, const std::string& document, Date date);
  void Move(const std::string& document, Date date, const AccountKey& from, uint64_t from_lot,
            const AccountKey& to, uint64_t to_lot, const Amounts& amounts);
  Balance& MutableBalance(const AccountKey& key);
  Lot& MutableLot(uint64_t id);
  void DropIfEmpty(const Lot& lot);
  void CheckAccounts(const std::string& party, const std::string& sku) const;
  // The internal accounts of a party and sku (by status; zero where there is none) are not below
  // zero and equal the sums of its live lots (`live_lots`, their ids).
  void CheckPartySku(std::span<const uint64_t> live_lots,
                     const Balance (&internal)[kStatusCount]) const;
  void CheckLot(const Lot& lot) const;

  std::map<AccountKey, Balance> accounts_;
  StableVector<Lot> lots_;
  std::map<std::string, LiveIds, std::less<>> live_lots_;  // party '\x1f' sku
  std::map<std::string, Pending, std::less<>> pendings_;
  StableVector<Posting> postings_;
  // Derived indexes (not hashed: rebuilt identically by the same operations).
  std::map<std::string, std::vector<uint64_t>, std::less<>> lots_by_document_;
  std::map<std::string, std::vector<uint64_t>, std::less<>> postings_by_document_;
  std::map<std::string, int64_t, std::less<>> stock_by_sku_;  // internal on hand + incoming
  std::map<std::string, std::set<std::string>, std::less<>> skus_by_party_;  // internal accounts
  // Per sku, the sum of every balance change Move made (quantity, value): always zero after a
  // balanced posting. Checked after every Execute for the skus it touched.
  std::map<std::string, std::pair<int64_t, int64_t>, std::less<>> sku_totals_;
  std::vector<uint64_t> last_touched_lots_;
  uint64_t executions_ = 0;
};

// Order in which statuses are drawn on by a withdrawal: rank[status] is the tier (lower first) or
// -1 when the status may not be drawn on at all. Within a tier, lots are taken first in first out.
struct StatusPreference {
  int8_t rank[kStatusCount] = {-1, -1, -1, -1, -1, -1};
  static StatusPreference Free();          // bonded, tax_free, duty_paid, domestic
  // The free statuses, tax_free after the others: goods admitted tax-free for a party's self-use
  // are its equipment, not its stock; a sale or a transfer of the sku takes its stock first.
  static StatusPreference TaxFreeLast();
  static StatusPreference RefusedFirst();  // refused, then the free statuses
  static StatusPreference Everything();    // every status, one tier
  // Stocktake shortages: the free statuses first, refused goods only after them, held never. Free
  // goods counted short are written off before goods refused entry, so that a shortage and a later
  // overage cannot turn refused goods into free ones while free goods could cover the shortage.
  static StatusPreference OutOfCustody();
  bool Allows(Status status) const { return rank[static_cast<int>(status)] >= 0; }
};

// Visits the lots `start` names and every lot they were made or transferred from (their parents,
// and theirs), each once, at most `lots_max` of them, latest first. True when the whole history
// was visited; false when the bound stopped the walk with lots left. Ids the ledger does not hold
// are skipped.
bool VisitHistory(const Ledger& ledger, std::vector<uint64_t> start, size_t lots_max,
                  const std::function<void(uint64_t id, const Lot& lot)>& visit);

// Planner: decides what a document would take from the ledger without changing it, so that Decide
// stays pure. It remembers what it has already planned (several lines of one declaration may draw
// on the same lots), and the planned slices are exactly what Execute of a Reserve will take.
class Planner {
 public:
  explicit Planner(const Ledger& ledger) : ledger_(ledger) {}

  // Free quantity of the party's sku in the statuses `preference` allows, after earlier plans.
  int64_t FreeQuantity(std::string_view party, std::string_view sku,
                       const StatusPreference& preference) const;
  // Plans taking `quantity_milli`. Returns false (and plans nothing) when less is free. With
  // `too_many` given, the walk stops and returns false with *too_many set once `slices` would hold
  // more than `slices_max` slices: a command's cost is bounded by the lots it may take, however
  // many lots the party holds (the planner is then left half-planned: the caller rejects).
  bool Take(std::string_view party, std::string_view sku, int64_t quantity_milli,
            const StatusPreference& preference, std::vector<Slice>* slices,
            size_t slices_max = SIZE_MAX, bool* too_many = nullptr);
  // Plans taking a whole lot's free remainder.
  Slice TakeLot(uint64_t lot);
  // Records that `amounts` will be added to (or, negative, removed from) an account, so that
  // WithinLimits can check the plan. Take and TakeLot record their own withdrawals.
  void Add(const AccountKey& key, int64_t quantity_milli, int64_t value_fen);
  // False when a planned change would take an account beyond kAccountMagnitudeMax.
  bool WithinLimits() const;

 private:
  Amounts FreeOf(const Lot& lot) const;
  const Ledger& ledger_;
  std::map<uint64_t, Amounts> taken_;
  std::map<AccountKey, int64_t> taken_by_account_;  // quantity planned out of each account
  std::map<AccountKey, std::pair<int64_t, int64_t>> deltas_;
};

}  // namespace twoline::ledger
