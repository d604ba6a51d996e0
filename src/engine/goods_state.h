// GoodsState: the goods side of the engine state — the double-entry ledger with its lots (ledger/),
// the declarations with their life cycle, processing records and stocktakes (docs/ledger.md).
//
// A declaration's life: `declare` makes it accepted (goods reserved or announced) or held (waiting
// for an inspection); `inspect` turns held into accepted (pass) or refused (fail); `release` at a
// goods gate of its line makes it released; `cancel` before release makes it cancelled. Transfers,
// consumption and scrapping need no gate: they are posted when accepted (state posted).
// Document names: declaration and process ids are chosen by the declaring party, and each party has
// its own (SPEC §2, `id`: one principal can neither block nor discover another's ids; a process
// shares its party's namespace). A document is keyed by its id when no other party's document holds
// that id, and by "ID@PARTY" when one does ('@' never occurs in ids). The key is the document's name
// in the ledger and in the read models; every answer shows the id alone (DocumentName). A declarant
// names its documents by id; an officer names one by id, or as ID@PARTY when several parties use
// the id (ResolveDocument). Invariants: a party uses an id once; every
// accepted or held declaration that moves goods has a pending transfer in the ledger under its id,
// or (inbound goods held for inspection) lots in status held created under its id; records are
// only created and changed by Engine::ApplyGoods.
// Thread-safety: none; part of State, owned by the engine's writer thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "engine/command.h"
#include "engine/decision.h"
#include "ledger/ledger.h"

namespace twoline::engine {

enum class DeclarationState : uint8_t {
  kAccepted = 0,   // waiting for release at a gate
  kHeld = 1,       // waiting for an inspection or a test
  kReleased = 2,   // passed a gate: posted
  kPosted = 3,     // no gate needed (transfer, consume, scrap): posted when accepted
  kCancelled = 4,  // withdrawn before release: voided
  kRefused = 5,    // failed an inspection: the goods are booked as refused
};
const char* DeclarationStateName(DeclarationState state);

// Something that happened to a declaration, in order.
struct GoodsEvent {
  std::string command;  // the command id
  int64_t at = 0;       // unix seconds of the command's `at`
  std::string
      what;  // "declared", "held", "inspected", "released", "cancelled", "refused", "posted"
  std::string detail;
};

struct GoodsLineRecord {
  std::string sku;
  std::string hs_code;  // the item's HS code when declared
  int64_t quantity_milli = 0;
  int64_t value_cents = 0;  // as declared, in `currency`
  std::string currency;
  int64_t value_fen = 0;  // in CNY at the exchange rate of the declaration date
  std::string origin;
  std::optional<Date> produced_on;
  std::vector<std::string> certificates;
  ledger::Status status = ledger::Status::kBonded;  // inbound: the status the goods take
  // Per-line assessment (second line out) or exemption (tax-free admission), fen.
  int64_t customs_duty_fen = 0;
  int64_t import_vat_fen = 0;
  int64_t exempted_fen = 0;
};

struct DeclarationRecord {
  std::string id;
  DeclarationKind kind = DeclarationKind::kFirstLineIn;
  std::string declarant, counterparty, purpose;
  std::vector<GoodsLineRecord> lines;
  DeclarationState state = DeclarationState::kAccepted;
  std::string command;  // the declaring command
  int64_t declared_at = 0;
  Date declared_on = 0;
  Outcome outcome = Outcome::kAccepted;  // of the declaring decision: accepted or held
  std::vector<Reason> reasons;           // of the declaring decision
  std::optional<Assessment> assessment;  // of the declaring decision
  bool export_refund = false;
  std::vector<std::string> hold_rules;  // the rules (or inspection.sampled) that held it, if any
  bool needs_measurements = false;  // held by a hold_for_test rule: only measurements can clear it
  bool held_lots = false;           // inbound goods admitted in status held, waiting for release
  std::optional<bool> inspection_passed;
  std::string released_gate;
  Date released_on = 0;
  std::vector<GoodsEvent> events;
};

struct ProcessRecord {
  std::string id, declarant, command;
  int64_t at = 0;
  Date date = 0;
  std::vector<SkuQuantity> inputs, outputs;
  ledger::Status output_status = ledger::Status::kBonded;
};

struct StocktakeLine {
  std::string sku;
  int64_t book_milli = 0;
  int64_t counted_milli = 0;
  int64_t difference_value_fen = 0;  // value booked to shortage (negative) or overage (zero)
};

struct StocktakeRecord {
  std::string command, party;
  int64_t at = 0;
  Date date = 0;
  std::vector<StocktakeLine> lines;
};

// A declaration's saved bytes (engine/snapshot.cc) decoded. The bytes were checked when loaded
// (CheckSavedDeclaration), so decoding them cannot fail.
DeclarationRecord DecodeSavedDeclaration(std::string_view saved);

// The declarations by key, in key order. Those a snapshot restored are kept as their saved bytes
// and decoded the first time they are used: most are history that no command reads again, and
// decoding every one made a start after 30 days allocate and fill some hundreds of megabytes
// (docs/architecture.md §6). A declaration decoded is kept decoded; one changed is saved from its
// record, the others from their bytes, which are the bytes its record would give (the decoder is
// strict), so the state hash does not depend on what was decoded. The bytes are held through
// their owner (the snapshot's mapping or a copy of its section), released with the table.
// Thread-safety: none, like the rest of State: a const lookup may decode, and so write.
class DeclarationTable {
 public:
  DeclarationTable() = default;
  DeclarationTable(const DeclarationTable& other) { *this = other; }
  DeclarationTable& operator=(const DeclarationTable& other);
  DeclarationTable(DeclarationTable&&) noexcept = default;
  DeclarationTable& operator=(DeclarationTable&&) noexcept = default;

  const DeclarationRecord* Find(std::string_view key) const;
  DeclarationRecord* FindMutable(std::string_view key);
  // Adds a new declaration under `key`; false when the key is taken.
  bool Insert(std::string key, DeclarationRecord record);
  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  // Declarations still held as their saved bytes only.
  size_t saved_only() const;

  // Each key, in order.
  template <typename Each>
  void ForEachKey(Each&& each) const {
    for (const auto& [key, slot] : slots_) each(key);
  }
  // Each declaration, in key order, as each(key, record). One not decoded yet is decoded for the
  // call and not kept (a report over every declaration leaves the table as it was).
  template <typename Each>
  void ForEach(Each&& each) const {
    for (const auto& [key, slot] : slots_) {
      if (slot.decoded != nullptr) {
        each(key, *slot.decoded);
      } else {
        const DeclarationRecord record = DecodeSavedDeclaration(slot.saved);
        each(key, record);
      }
    }
  }
  // For saving: each declaration in key order as its record when decoded, else its saved bytes.
  template <typename Each>
  void ForEachToSave(Each&& each) const {
    for (const auto& [key, slot] : slots_) each(slot.decoded.get(), slot.saved);
  }

  // Loading (once, into an empty table): a declaration's checked saved bytes, under a key after
  // every key so far (false, and nothing added, otherwise). The bytes must stay valid while
  // `owner`, given to HoldSaved, lives.
  bool AppendSaved(std::string key, std::string_view saved);
  void HoldSaved(std::shared_ptr<const void> owner) { owner_ = std::move(owner); }
  // Decodes every declaration (an audit of a snapshot re-encodes what it decoded).
  void DecodeAll();

 private:
  struct Slot {
    std::string_view saved;  // the saved bytes (of a declaration that was loaded)
    mutable std::unique_ptr<DeclarationRecord> decoded;
  };
  const DeclarationRecord& Decoded(const Slot& slot) const;

  std::map<std::string, Slot, std::less<>> slots_;
  std::shared_ptr<const void> owner_;  // what the saved bytes point into
};

struct GoodsState {
  ledger::Ledger ledger;
  DeclarationTable declarations;
  std::map<std::string, ProcessRecord, std::less<>> processes;
  std::vector<StocktakeRecord> stocktakes;
  // Ids that more than one party uses: id -> the parties whose documents are keyed ID@PARTY (the
  // first holder's is keyed by the id alone).
  std::map<std::string, std::vector<std::string>, std::less<>> shared_ids;

  const DeclarationRecord* FindDeclaration(std::string_view id) const {
    return declarations.Find(id);
  }
  const ProcessRecord* FindProcess(std::string_view id) const {
    auto it = processes.find(id);
    return it == processes.end() ? nullptr : &it->second;
  }
  // True when a declaration or a process has the key.
  bool IsDocumentKey(std::string_view key) const {
    return FindDeclaration(key) != nullptr || FindProcess(key) != nullptr;
  }
  // The party whose document has the key ("" when none has).
  std::string_view DocumentOwner(std::string_view key) const;
  // The key a new document `id` of `party` takes, or "" when the party already has a document `id`.
  std::string NewDocumentKey(std::string_view party, std::string_view id) const;
  // The key of the document a command or a read names (`name`: an id, or ID@PARTY), for a declarant
  // (`scope`: its party; only its own documents are found) or an officer (`scope` empty). Returns ""
  // and sets *error when the name matches none ("unknown declaration \"X\"", the words an unknown
  // id gets, whoever holds it) or, for an officer, an id several parties use.
  std::string ResolveDocument(std::string_view name, std::string_view scope,
                              std::string* error) const;
  // The id a key stands for: the key without its "@PARTY".
  static std::string_view DocumentName(std::string_view key) {
    return key.substr(0, key.find('@'));
  }
  // Records a document key (Engine::ApplyGoods), and rebuilds the index of shared ids from the
  // records (after a snapshot load). The index is derived from the keys, so it is not hashed.
  void NoteDocumentKey(std::string_view key);
  void IndexDocumentKeys();
  // True when any party holds or expects the sku.
  bool HasStock(std::string_view sku) const { return ledger.HasStock(sku); }
};

}  // namespace twoline::engine
