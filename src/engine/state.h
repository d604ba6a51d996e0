// State: everything the engine knows — registries (parties, persons, items), list membership,
// presence, per-person daily counters, the goods ledger and declarations, and the ids already
// decided (idempotency).
//
// Invariants: every index maps to an element of its vector; list masks only use bits that
// `list_ids` gives to a list of the profile in force with the matching kind; `inside` is only true
// for persons who entered through a line that records persons. Mutated only by Engine::Apply on the
// single writer thread. Thread-safety: none; owned by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/sha256.h"
#include "base/stable_vector.h"
#include "engine/command.h"
#include "engine/flat_index.h"
#include "engine/goods_state.h"

namespace twoline::engine {

// Hash and equality that let maps keyed by std::string be searched with a std::string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

// A process-wide pool of strings that repeat across many records (gate ids, affiliations), so a
// record holds an 8-byte pointer instead of a string. Append-only and never freed; thread-safe.
const char* Intern(std::string_view text);

struct Party {
  std::string id, name;
  PartyKind kind = PartyKind::kEnterprise;
  policy::Credit credit = policy::Credit::kGeneral;
  uint64_t lists = 0;  // bit i: member of the list State::list_ids[i]
};

// A document held by a person; `type` indexes kDocumentTypes.
struct StoredDocument {
  std::string number;
  Date valid_from = 0;
  Date valid_until = 0;  // last valid day, inclusive
  uint8_t type = 0;
};
extern const char* const kDocumentTypes[];
inline constexpr int kDocumentTypeCount = 9;
int DocumentTypeIndex(std::string_view type);  // -1 when unknown

// A registered person. Sized for millions: codes inline, documents pooled in State::documents,
// repeated strings interned.
struct Person {
  std::string id, name;
  char nationality[2] = {0, 0};  // ISO 3166-1 alpha-2
  char resident_of[2] = {0, 0};
  Date birth_date = 0;
  const char* affiliation = "";  // interned
  uint32_t first_document = 0;   // index into State::documents
  uint16_t document_count = 0;
  bool inside = false;
  int32_t fresh_food_count = 0;  // crossings with fresh food on fresh_food_day
  Date fresh_food_day = 0;       // local date of the latest crossing with fresh food
  uint64_t lists = 0;
  int64_t entered_at = 0;        // unix seconds of the last recorded entry
  const char* entered_gate = ""; // interned gate id of that entry

  std::string_view nationality_code() const { return {nationality, 2}; }
  std::string_view resident_of_code() const { return {resident_of, 2}; }
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

// A list as memberships refer to it: by its id (the profile's list name) and kind, never by its
// position in a profile.
struct ListId {
  std::string name;  // empty: the bit is free
  policy::ListKind kind = policy::ListKind::kPersons;
};

struct State {
  // Membership bits: bit i of Party/Person/Item::lists means "member of list_ids[i]". Bits are
  // given out by Engine::PutProfileInForce as profiles declare lists, so a profile that reorders
  // its lists keeps every membership; a list that a new profile drops (or redeclares with another
  // kind) loses its members and frees its bit. At most 64 (the profile loader's limit on lists).
  std::vector<ListId> list_ids;
  std::vector<Party> parties;
  FlatIndex party_index;
  StableVector<Person> persons;
  FlatIndex person_index;
  StableVector<StoredDocument> documents;  // every person's documents, by Person::first_document
  std::vector<Item> items;
  FlatIndex item_index;
  DecidedIds decided;
  int64_t inside_count = 0;
  GoodsState goods;

  // The membership bit of a list of the profile in force; -1 when no list has that name.
  int ListBit(std::string_view name) const;
  bool OnList(uint64_t mask, std::string_view name) const {
    int bit = ListBit(name);
    return bit >= 0 && (mask >> bit & 1);
  }

  const Party* FindParty(std::string_view id) const;
  const Person* FindPerson(std::string_view id) const;
  const Item* FindItem(std::string_view sku) const;
  Person* MutablePerson(std::string_view id);
  uint32_t PersonPosition(std::string_view id) const;  // FlatIndex::kAbsent when unknown
  uint32_t PartyPosition(std::string_view id) const;
  uint32_t ItemPosition(std::string_view sku) const;
  const StoredDocument* DocumentsOf(const Person& person) const {
    return documents.data() + person.first_document;
  }
};

}  // namespace twoline::engine
