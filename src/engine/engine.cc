#include "engine/engine.h"

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "base/check.h"
#include "base/codes.h"
#include <cstring>

namespace twoline::engine {

const char* const kDocumentTypes[] = {"passport",    "visa",  "home_return_permit",
                                     "hk_mo_exit_entry_permit", "mainland_id", "hk_id",
                                     "macao_id",    "zone_permit", "talent_permit"};

int DocumentTypeIndex(std::string_view type) {
  for (int i = 0; i < kDocumentTypeCount; ++i) {
    if (type == kDocumentTypes[i]) return i;
  }
  return -1;
}

const char* Intern(std::string_view text) {
  static std::mutex mutex;
  static auto* pool = new std::unordered_set<std::string, StringHash, std::equal_to<>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = pool->find(text);
  if (it == pool->end()) it = pool->emplace(text).first;
  return it->c_str();  // nodes of an unordered_set never move
}

uint32_t State::PersonPosition(std::string_view id) const {
  return person_index.Find(id, [this](uint32_t i) -> std::string_view { return persons[i].id; });
}
uint32_t State::PartyPosition(std::string_view id) const {
  return party_index.Find(id, [this](uint32_t i) -> std::string_view { return parties[i].id; });
}
uint32_t State::ItemPosition(std::string_view sku) const {
  return item_index.Find(sku, [this](uint32_t i) -> std::string_view { return items[i].sku; });
}
int State::ListBit(std::string_view name) const {
  for (size_t i = 0; i < list_ids.size(); ++i) {
    if (list_ids[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

const Party* State::FindParty(std::string_view id) const {
  uint32_t i = PartyPosition(id);
  return i == FlatIndex::kAbsent ? nullptr : &parties[i];
}
const Person* State::FindPerson(std::string_view id) const {
  uint32_t i = PersonPosition(id);
  return i == FlatIndex::kAbsent ? nullptr : &persons[i];
}
const Item* State::FindItem(std::string_view sku) const {
  uint32_t i = ItemPosition(sku);
  return i == FlatIndex::kAbsent ? nullptr : &items[i];
}
Person* State::MutablePerson(std::string_view id) {
  uint32_t i = PersonPosition(id);
  return i == FlatIndex::kAbsent ? nullptr : &persons[i];
}

Date LocalDateOf(const policy::Profile& profile, const Command& command) {
  return LocalDate(command.at.unix_seconds, profile.utc_offset_minutes);
}

Decision InvalidDecision(const std::string& id, std::string detail) {
  Decision decision;
  decision.id = id;
  decision.outcome = Outcome::kInvalid;
  decision.Add("command.invalid", std::move(detail));
  return decision;
}

uint64_t Engine::BodyDigest(const Command& command) {
  if (!command.has_digests) return DecidedIds::BodyDigest(command.IdempotencyBody());
#ifndef NDEBUG
  CHECK(command.body_digest == DecidedIds::BodyDigest(command.IdempotencyBody()));
#endif
  return command.body_digest;
}

void Engine::IdDigest(const Command& command, uint8_t out[16]) {
  if (!command.has_digests) return DecidedIds::IdDigest(command.IdScope(), command.id, out);
  std::memcpy(out, command.id_digest, 16);
#ifndef NDEBUG
  uint8_t taken[16];
  DecidedIds::IdDigest(command.IdScope(), command.id, taken);
  CHECK(std::memcmp(taken, out, 16) == 0);
#endif
}

// Memberships follow list ids across a profile change (state.h, State::list_ids): a list the new
// profile still declares with the same kind keeps its bit wherever the profile now lists it; any
// other list loses its members and frees its bit; new lists take the lowest free bits.
void Engine::KeyListsByIdFor(const policy::Profile& profile) {
  std::vector<ListId>& ids = state_.list_ids;
  for (size_t bit = 0; bit < ids.size(); ++bit) {
    if (ids[bit].name.empty()) continue;
    const policy::ListSpec* kept = profile.FindList(ids[bit].name);
    if (kept != nullptr && kept->kind == ids[bit].kind) continue;
    const uint64_t keep = ~(uint64_t{1} << bit);
    switch (ids[bit].kind) {
      case policy::ListKind::kPersons:
        for (Person& person : state_.persons) person.lists &= keep;
        break;
      case policy::ListKind::kParties:
        for (Party& party : state_.parties) party.lists &= keep;
        break;
      case policy::ListKind::kGoods:
        for (Item& item : state_.items) item.lists &= keep;
        break;
    }
    ids[bit] = ListId{};
  }
  for (const policy::ListSpec& list : profile.lists) {
    if (state_.ListBit(list.name) >= 0) continue;
    size_t bit = 0;
    while (bit < ids.size() && !ids[bit].name.empty()) ++bit;
    if (bit == ids.size()) ids.emplace_back();
    ids[bit] = ListId{list.name, list.kind};
  }
  CHECK(ids.size() <= 64);
}

void Engine::PutProfileInForce(std::shared_ptr<const policy::Profile> profile) {
  CHECK(profile != nullptr);
  CHECK(profile_ == nullptr || profile_->id == profile->id);
  KeyListsByIdFor(*profile);
  profiles_in_force_.push_back(profile);
  profile_ = std::move(profile);
  ++last_seq_;
}

Decision Engine::Decide(const Command& command, const Hash256& previous) const {
  CHECK(profile_ != nullptr);
  if (command.zone != profile_->id) {
    return InvalidDecision(command.id, "command for zone \"" + command.zone +
                                           "\" sent to zone \"" + profile_->id + "\"");
  }
  uint8_t id_digest[16];
  IdDigest(command, id_digest);
  Decision decision = DecideNew(command, id_digest, previous);
  std::memcpy(decision.id_digest.data(), id_digest, 16);
  decision.has_id_digest = true;
  return decision;
}

bool Engine::Decided(const Command& command) const {
  uint8_t id_digest[16];
  IdDigest(command, id_digest);
  return state_.decided.Find(id_digest) != nullptr;
}

Decision Engine::DecideNew(const Command& command, const uint8_t id_digest[16],
                           const Hash256& previous) const {
  if (const DecidedId* seen = state_.decided.Find(id_digest)) {
    if (seen->body_digest != BodyDigest(command)) {
      Decision decision = InvalidDecision(
          command.id, "id reused: \"" + command.id + "\" was already decided (seq " +
                          std::to_string(seen->seq) + ") with a different body");
      decision.reasons[0].rule = "command.id-reused";
      return decision;
    }
    Decision duplicate;
    duplicate.id = command.id;
    duplicate.duplicate_of = seen->seq;
    return duplicate;
  }
  switch (command.type) {
    case CommandType::kRegisterParty:
    case CommandType::kRegisterPerson:
    case CommandType::kRegisterItem:
      return DecideRegistration(command);
    case CommandType::kList:
      return DecideList(command);
    case CommandType::kCross:
      return DecideCross(command);
    default:
      return DecideGoods(command, previous);
  }
}

void Engine::Apply(const Command& command, const Decision& decision) {
  CHECK(decision.outcome != Outcome::kInvalid);
  CHECK(decision.duplicate_of == 0);
  ++last_seq_;
  DecidedId record;
  if (decision.has_id_digest) {
    std::memcpy(record.id_digest, decision.id_digest.data(), 16);
  } else {
    IdDigest(command, record.id_digest);
  }
  record.seq = last_seq_;
  record.body_digest = BodyDigest(command);
  state_.decided.Insert(record);  // CHECKs that the id was not decided before
  if (decision.outcome == Outcome::kRejected) return;  // journaled, but nothing changes
  switch (command.type) {
    case CommandType::kRegisterParty:
    case CommandType::kRegisterPerson:
    case CommandType::kRegisterItem:
      return ApplyRegistration(command);
    case CommandType::kList:
      return ApplyList(command);
    case CommandType::kCross:
      return ApplyCross(command, decision);
    default:
      return ApplyGoods(command, decision);
  }
}

Decision Engine::Execute(const Command& command) {
  Decision decision = Decide(command);
  if (decision.outcome != Outcome::kInvalid && decision.duplicate_of == 0) {
    Apply(command, decision);
  }
  return decision;
}

namespace {

// Resolves list names to a membership mask (State::list_ids), checking that each names a profile
// list of `kind`.
bool ListMask(const policy::Profile& profile, const State& state,
              const std::vector<std::string>& names, policy::ListKind kind, uint64_t* mask,
              std::string* error) {
  *mask = 0;
  for (const std::string& name : names) {
    const policy::ListSpec* list = profile.FindList(name);
    int bit = state.ListBit(name);
    if (list == nullptr || bit < 0) {
      *error = "unknown list \"" + name + "\" in zone " + profile.id;
      return false;
    }
    if (list->kind != kind) {
      *error = "list \"" + name + "\" holds " + policy::ListKindName(list->kind) + ", not " +
               policy::ListKindName(kind);
      return false;
    }
    *mask |= uint64_t{1} << bit;
  }
  return true;
}

}  // namespace

Decision Engine::DecideRegistration(const Command& command) const {
  Decision decision;
  decision.id = command.id;
  std::string error;
  uint64_t mask = 0;
  if (const auto* party = std::get_if<PartyBody>(&command.body)) {
    if (!ListMask(*profile_, state_, party->lists, policy::ListKind::kParties, &mask, &error)) {
      return InvalidDecision(command.id, error);
    }
  } else if (const auto* person = std::get_if<PersonBody>(&command.body)) {
    if (!ListMask(*profile_, state_, person->lists, policy::ListKind::kPersons, &mask, &error)) {
      return InvalidDecision(command.id, error);
    }
    for (const Document& document : person->documents) {
      if (DocumentTypeIndex(document.type) < 0) {
        return InvalidDecision(command.id, "unknown document type \"" + document.type + "\"");
      }
    }
  } else if (const auto* item = std::get_if<ItemBody>(&command.body)) {
    const Item* existing = state_.FindItem(item->sku);
    if (existing != nullptr && existing->hs_code != item->hs_code &&
        state_.goods.HasStock(item->sku)) {
      decision.outcome = Outcome::kRejected;
      decision.Add("item.reclassified-with-stock",
                   "SKU " + item->sku + " has stock in the ledger under HS " + existing->hs_code +
                       "; reclassify it only when no stock is held");
    }
  }
  return decision;
}

void Engine::ApplyRegistration(const Command& command) {
  std::string error;
  if (const auto* body = std::get_if<PartyBody>(&command.body)) {
    uint32_t position = state_.PartyPosition(body->id);
    if (position == FlatIndex::kAbsent) {
      position = static_cast<uint32_t>(state_.parties.size());
      state_.parties.emplace_back();
      state_.parties.back().id = body->id;
      state_.party_index.Insert(body->id, position);
    }
    Party& party = state_.parties[position];
    party.name = body->name;
    party.kind = body->kind;
    party.credit = body->credit;
    CHECK(
        ListMask(*profile_, state_, body->lists, policy::ListKind::kParties, &party.lists, &error));
  } else if (const auto* body = std::get_if<PersonBody>(&command.body)) {
    uint32_t position = state_.PersonPosition(body->id);
    if (position == FlatIndex::kAbsent) {
      position = static_cast<uint32_t>(state_.persons.size());
      state_.persons.emplace_back();
      state_.persons.back().id = body->id;
      state_.person_index.Insert(body->id, position);
    }
    Person& person = state_.persons[position];
    person.name = body->name;
    CHECK(body->nationality.size() == 2 && body->resident_of.size() == 2);
    std::memcpy(person.nationality, body->nationality.data(), 2);
    std::memcpy(person.resident_of, body->resident_of.data(), 2);
    person.affiliation = Intern(body->affiliation);
    person.birth_date = body->birth_date;
    // Documents are appended to the pool; a re-registration's old documents stay unreferenced,
    // which costs little because re-registration is rare next to crossings.
    bool reuse = body->documents.size() <= person.document_count;
    if (!reuse) person.first_document = static_cast<uint32_t>(state_.documents.size());
    person.document_count = static_cast<uint16_t>(body->documents.size());
    for (size_t i = 0; i < body->documents.size(); ++i) {
      const Document& document = body->documents[i];
      StoredDocument stored{document.number, document.valid_from, document.valid_until,
                            static_cast<uint8_t>(DocumentTypeIndex(document.type))};
      if (reuse) {
        state_.documents[person.first_document + i] = std::move(stored);
      } else {
        state_.documents.push_back(std::move(stored));
      }
    }
    CHECK(ListMask(*profile_, state_, body->lists, policy::ListKind::kPersons, &person.lists,
                   &error));
  } else if (const auto* body = std::get_if<ItemBody>(&command.body)) {
    uint32_t position = state_.ItemPosition(body->sku);
    if (position == FlatIndex::kAbsent) {
      position = static_cast<uint32_t>(state_.items.size());
      state_.items.emplace_back();
      state_.items.back().sku = body->sku;
      state_.item_index.Insert(body->sku, position);
    }
    Item& item = state_.items[position];
    item.hs_code = body->hs_code;
    item.description = body->description;
    item.unit = body->unit;
    item.tags = body->tags;
  }
}

Decision Engine::DecideList(const Command& command) const {
  const auto& body = std::get<ListBody>(command.body);
  const policy::ListSpec* list = profile_->FindList(body.list);
  if (list == nullptr || state_.ListBit(body.list) < 0) {
    return InvalidDecision(command.id, "unknown list \"" + body.list + "\" in zone " + profile_->id);
  }
  policy::ListKind kind = list->kind;
  for (const auto* ids : {&body.add, &body.remove}) {
    for (const std::string& id : *ids) {
      bool known = kind == policy::ListKind::kPersons   ? state_.FindPerson(id) != nullptr
                   : kind == policy::ListKind::kParties ? state_.FindParty(id) != nullptr
                                                        : state_.FindItem(id) != nullptr;
      if (!known) {
        return InvalidDecision(command.id, std::string("unknown ") +
                                               policy::ListKindName(kind) + " member \"" + id +
                                               "\" for list \"" + body.list + "\"");
      }
    }
  }
  Decision decision;
  decision.id = command.id;
  return decision;
}

void Engine::ApplyList(const Command& command) {
  const auto& body = std::get<ListBody>(command.body);
  int index = state_.ListBit(body.list);
  CHECK(index >= 0 && index < 64);
  uint64_t bit = uint64_t{1} << index;
  policy::ListKind kind = state_.list_ids[static_cast<size_t>(index)].kind;
  auto update = [&](const std::string& id, bool add) {
    uint64_t* mask = nullptr;
    if (kind == policy::ListKind::kPersons) {
      mask = &state_.persons[state_.PersonPosition(id)].lists;
    } else if (kind == policy::ListKind::kParties) {
      mask = &state_.parties[state_.PartyPosition(id)].lists;
    } else {
      mask = &state_.items[state_.ItemPosition(id)].lists;
    }
    *mask = add ? (*mask | bit) : (*mask & ~bit);
  };
  for (const std::string& id : body.add) update(id, true);
  for (const std::string& id : body.remove) update(id, false);
}

}  // namespace twoline::engine
