// State: everything the engine knows — registries (parties, persons, items), list membership,
// presence, per-person daily counters, the goods ledger and declarations, and the ids already
// decided (idempotency).
//
// Invariants: every index maps to an element of its vector; list masks only use bits of lists the
// profile declares with the matching kind; `inside` is only true for persons who entered through a
// line that records persons. Mutated only by Engine::Apply on the single writer thread.
// Thread-safety: none; owned by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/sha256.h"
#include "engine/command.h"
#include "engine/goods_state.h"

namespace twoline::engine {

// Hash and equality that let maps keyed by std::string be searched with a std::string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

struct Party {
  std::string id, name;
  PartyKind kind = PartyKind::kEnterprise;
  policy::Credit credit = policy::Credit::kGeneral;
  uint64_t lists = 0;  // bit i: member of profile list i
};

struct Person {
  std::string id, name, nationality, resident_of, affiliation;
  Date birth_date = 0;
  std::vector<Document> documents;
  uint64_t lists = 0;
  bool inside = false;
  int64_t entered_at = 0;  // unix seconds of the last recorded entry
  std::string entered_gate;
  Date fresh_food_day = 0;  // local date of the last crossing with fresh food
  int32_t fresh_food_count = 0;  // crossings with fresh food on that day
};

struct Item {
  std::string sku, hs_code, description, unit;
  std::vector<std::string> tags;
  uint64_t lists = 0;
  bool HasTag(std::string_view tag) const {
    for (const auto& t : tags) {
      if (t == tag) return true;
    }
    return false;
  }
};

// What an id was decided as: the journal seq of its entry and a digest of its canonical body.
struct DecidedId {
  uint64_t seq = 0;
  Hash256 body_digest{};
};

struct State {
  std::vector<Party> parties;
  StringMap<uint32_t> party_index;
  std::vector<Person> persons;
  StringMap<uint32_t> person_index;
  std::vector<Item> items;
  StringMap<uint32_t> item_index;
  StringMap<DecidedId> decided;
  int64_t inside_count = 0;
  GoodsState goods;

  const Party* FindParty(std::string_view id) const;
  const Person* FindPerson(std::string_view id) const;
  const Item* FindItem(std::string_view sku) const;
  Person* MutablePerson(std::string_view id);
};

}  // namespace twoline::engine
