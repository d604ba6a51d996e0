#include "engine/engine.h"

#include <algorithm>

#include "base/check.h"
#include "base/codes.h"

namespace twoline::engine {

const Party* State::FindParty(std::string_view id) const {
  auto it = party_index.find(id);
  return it == party_index.end() ? nullptr : &parties[it->second];
}
const Person* State::FindPerson(std::string_view id) const {
  auto it = person_index.find(id);
  return it == person_index.end() ? nullptr : &persons[it->second];
}
const Item* State::FindItem(std::string_view sku) const {
  auto it = item_index.find(sku);
  return it == item_index.end() ? nullptr : &items[it->second];
}
Person* State::MutablePerson(std::string_view id) {
  auto it = person_index.find(id);
  return it == person_index.end() ? nullptr : &persons[it->second];
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

Hash256 Engine::BodyDigest(const Command& command) { return Sha256(command.canonical); }

void Engine::PutProfileInForce(std::shared_ptr<const policy::Profile> profile) {
  CHECK(profile != nullptr);
  CHECK(profile_ == nullptr || profile_->id == profile->id);
  profile_ = std::move(profile);
  ++last_seq_;
}

Decision Engine::Decide(const Command& command) const {
  CHECK(profile_ != nullptr);
  if (command.zone != profile_->id) {
    return InvalidDecision(command.id, "command for zone \"" + command.zone +
                                           "\" sent to zone \"" + profile_->id + "\"");
  }
  auto seen = state_.decided.find(command.id);
  if (seen != state_.decided.end()) {
    if (seen->second.body_digest != BodyDigest(command)) {
      Decision decision = InvalidDecision(
          command.id, "id reused: \"" + command.id + "\" was already decided (seq " +
                          std::to_string(seen->second.seq) + ") with a different body");
      decision.reasons[0].rule = "command.id-reused";
      return decision;
    }
    Decision duplicate;
    duplicate.id = command.id;
    duplicate.duplicate_of = seen->second.seq;
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
      return DecideGoods(command);
  }
}

void Engine::Apply(const Command& command, const Decision& decision) {
  CHECK(decision.outcome != Outcome::kInvalid);
  CHECK(decision.duplicate_of == 0);
  CHECK(state_.decided.find(command.id) == state_.decided.end());
  ++last_seq_;
  state_.decided.emplace(command.id, DecidedId{last_seq_, BodyDigest(command)});
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

const char* kDocumentTypes[] = {"passport",   "visa",   "home_return_permit", "hk_mo_exit_entry_permit",
                                "mainland_id", "hk_id", "macao_id",           "zone_permit",
                                "talent_permit"};

// Resolves list names to a bit mask, checking that each names a profile list of `kind`.
bool ListMask(const policy::Profile& profile, const std::vector<std::string>& names,
              policy::ListKind kind, uint64_t* mask, std::string* error) {
  *mask = 0;
  for (const std::string& name : names) {
    int index = profile.ListIndex(name);
    if (index < 0 || index >= 64) {
      *error = "unknown list \"" + name + "\" in zone " + profile.id;
      return false;
    }
    if (profile.lists[index].kind != kind) {
      *error = "list \"" + name + "\" holds " + policy::ListKindName(profile.lists[index].kind) +
               ", not " + policy::ListKindName(kind);
      return false;
    }
    *mask |= uint64_t{1} << index;
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
    if (!ListMask(*profile_, party->lists, policy::ListKind::kParties, &mask, &error)) {
      return InvalidDecision(command.id, error);
    }
  } else if (const auto* person = std::get_if<PersonBody>(&command.body)) {
    if (!ListMask(*profile_, person->lists, policy::ListKind::kPersons, &mask, &error)) {
      return InvalidDecision(command.id, error);
    }
    for (const Document& document : person->documents) {
      bool known = false;
      for (const char* type : kDocumentTypes) known |= document.type == type;
      if (!known) return InvalidDecision(command.id, "unknown document type \"" + document.type + "\"");
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
    auto [it, inserted] = state_.party_index.try_emplace(body->id, state_.parties.size());
    if (inserted) state_.parties.emplace_back();
    Party& party = state_.parties[it->second];
    party.id = body->id;
    party.name = body->name;
    party.kind = body->kind;
    party.credit = body->credit;
    CHECK(ListMask(*profile_, body->lists, policy::ListKind::kParties, &party.lists, &error));
  } else if (const auto* body = std::get_if<PersonBody>(&command.body)) {
    auto [it, inserted] = state_.person_index.try_emplace(body->id, state_.persons.size());
    if (inserted) state_.persons.emplace_back();
    Person& person = state_.persons[it->second];
    person.id = body->id;
    person.name = body->name;
    person.nationality = body->nationality;
    person.resident_of = body->resident_of;
    person.affiliation = body->affiliation;
    person.birth_date = body->birth_date;
    person.documents = body->documents;
    CHECK(ListMask(*profile_, body->lists, policy::ListKind::kPersons, &person.lists, &error));
  } else if (const auto* body = std::get_if<ItemBody>(&command.body)) {
    auto [it, inserted] = state_.item_index.try_emplace(body->sku, state_.items.size());
    if (inserted) state_.items.emplace_back();
    Item& item = state_.items[it->second];
    item.sku = body->sku;
    item.hs_code = body->hs_code;
    item.description = body->description;
    item.unit = body->unit;
    item.tags = body->tags;
  }
}

Decision Engine::DecideList(const Command& command) const {
  const auto& body = std::get<ListBody>(command.body);
  int index = profile_->ListIndex(body.list);
  if (index < 0 || index >= 64) {
    return InvalidDecision(command.id, "unknown list \"" + body.list + "\" in zone " + profile_->id);
  }
  policy::ListKind kind = profile_->lists[index].kind;
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
  int index = profile_->ListIndex(body.list);
  CHECK(index >= 0 && index < 64);
  uint64_t bit = uint64_t{1} << index;
  policy::ListKind kind = profile_->lists[index].kind;
  auto update = [&](const std::string& id, bool add) {
    uint64_t* mask = nullptr;
    if (kind == policy::ListKind::kPersons) {
      mask = &state_.persons[state_.person_index.find(id)->second].lists;
    } else if (kind == policy::ListKind::kParties) {
      mask = &state_.parties[state_.party_index.find(id)->second].lists;
    } else {
      mask = &state_.items[state_.item_index.find(id)->second].lists;
    }
    *mask = add ? (*mask | bit) : (*mask & ~bit);
  };
  for (const std::string& id : body.add) update(id, true);
  for (const std::string& id : body.remove) update(id, false);
}

}  // namespace twoline::engine
