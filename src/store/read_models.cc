#include "store/read_models.h"

#include <simdjson.h>

#include <algorithm>

#include "base/json_writer.h"
#include "base/time.h"

namespace twoline::store {
namespace {

// A string member of an object, or "" when absent or not a string.
std::string_view Member(simdjson::dom::element object, const char* key) {
  std::string_view value;
  if (object[key].get(value)) return {};
  return value;
}

}  // namespace

void ReadModelTracker::TouchDeclaration(std::string_view declaration) {
  auto it = parties_of_declaration_.find(declaration);
  if (it == parties_of_declaration_.end()) return;
  parties_.insert(it->second.declarant);
  if (!it->second.counterparty.empty()) parties_.insert(it->second.counterparty);
}

void ReadModelTracker::Record(const Facts& facts) {
  if (!facts.person.empty()) persons_.emplace(facts.person);
  if (!facts.party.empty()) parties_.emplace(facts.party);
  if (!facts.declared.empty()) {
    // A process is read like a declaration (goods_queries.h DeclarationJson answers both).
    Parties& parties = parties_of_declaration_[std::string(facts.declared)];
    parties.declarant = std::string(facts.declarant);
    parties.counterparty = std::string(facts.counterparty);
    TouchDeclaration(facts.declared);
  }
  for (std::string_view declaration : facts.declarations) TouchDeclaration(declaration);
}

void ReadModelTracker::Observe(const engine::Command& command) {
  Facts facts;
  if (const auto* cross = std::get_if<engine::CrossBody>(&command.body)) {
    facts.person = cross->person;
  } else if (const auto* party = std::get_if<engine::PartyBody>(&command.body)) {
    facts.party = party->id;
  } else if (const auto* declare = std::get_if<engine::DeclareBody>(&command.body)) {
    facts.declared = declare->id;
    facts.declarant = declare->declarant;
    facts.counterparty = declare->counterparty;
  } else if (const auto* process = std::get_if<engine::ProcessBody>(&command.body)) {
    facts.declared = process->id;
    facts.declarant = process->declarant;
  } else if (const auto* stocktake = std::get_if<engine::StocktakeBody>(&command.body)) {
    facts.party = stocktake->party;
  } else if (const auto* inspect = std::get_if<engine::InspectBody>(&command.body)) {
    facts.declarations.push_back(inspect->declaration);
  } else if (const auto* cancel = std::get_if<engine::CancelBody>(&command.body)) {
    facts.declarations.push_back(cancel->declaration);
  } else if (const auto* release = std::get_if<engine::ReleaseBody>(&command.body)) {
    facts.declarations.assign(release->declarations.begin(), release->declarations.end());
  }
  Record(facts);
}

void ReadModelTracker::Observe(std::string_view command_json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element command;
  // Journaled commands were parsed once already; one that does not parse now touches nothing.
  if (parser.parse(command_json.data(), command_json.size()).get(command)) return;
  std::string_view type = Member(command, "type");
  simdjson::dom::element body;
  Facts facts;
  if (type == "cross") {
    facts.person = Member(command, "person");
  } else if (type == "register_party" && !command["party"].get(body)) {
    facts.party = Member(body, "id");
  } else if ((type == "declare" && !command["declaration"].get(body)) ||
             (type == "process" && !command["process"].get(body))) {
    facts.declared = Member(body, "id");
    facts.declarant = Member(body, "declarant");
    facts.counterparty = Member(body, "counterparty");
  } else if (type == "stocktake") {
    facts.party = Member(command, "party");
  } else if (type == "inspect" || type == "cancel") {
    facts.declarations.push_back(Member(command, "declaration"));
  } else if (type == "release") {
    simdjson::dom::array declarations;
    if (command["declarations"].get(declarations)) return;
    for (simdjson::dom::element declaration : declarations) {
      std::string_view id;
      if (!declaration.get(id)) facts.declarations.push_back(id);
    }
  }
  Record(facts);
}

ReadModelChanges ReadModelTracker::Take(const engine::Engine& engine, uint64_t through_seq,
                                        bool replace_all) {
  ReadModelChanges changes;
  changes.zone = engine.profile().id;
  changes.through_seq = through_seq;
  changes.replace_all = replace_all;
  const int32_t offset = engine.profile().utc_offset_minutes;
  // Rows in key order, as a rebuild writes them (and as the conformance tests compare them).
  std::vector<std::string> persons(persons_.begin(), persons_.end());
  std::vector<std::string> parties(parties_.begin(), parties_.end());
  std::sort(persons.begin(), persons.end());
  std::sort(parties.begin(), parties.end());
  for (const std::string& id : persons) {
    const engine::Person* person = engine.state().FindPerson(id);
    if (person != nullptr && person->inside) {
      changes.inside.push_back(
          {id, FormatRfc3339(person->entered_at, offset), person->entered_gate});
    } else if (!replace_all) {
      changes.outside.push_back(id);
    }
  }
  for (const std::string& party : parties) {
    if (party.empty() || engine.state().FindParty(party) == nullptr) continue;
    changes.balances.push_back({party, BalanceView(engine, party)});
  }
  ClearTouched();
  return changes;
}

void ReadModelTracker::ClearTouched() {
  persons_.clear();
  parties_.clear();
}

bool ReadModelTracker::HasTouched() const {
  return !persons_.empty() || !parties_.empty();
}

std::string ReadModelTracker::DeclarantOf(std::string_view declaration) const {
  auto it = parties_of_declaration_.find(declaration);
  return it == parties_of_declaration_.end() ? std::string() : it->second.declarant;
}

std::string PresencePageJson(const std::string& zone, const PresencePage& page, size_t offset) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("zone").String(zone);
  w.Key("count").Int(page.count);
  w.Key("offset").Int(static_cast<int64_t>(offset));
  w.Key("persons").BeginArray();
  for (const PresenceRow& row : page.rows) {
    w.BeginObject().Key("person").String(row.person);
    w.Key("entered_at").String(row.entered_at);
    w.Key("gate").String(row.gate).EndObject();
  }
  w.EndArray().EndObject();
  out.push_back('\n');
  return out;
}

}  // namespace twoline::store
