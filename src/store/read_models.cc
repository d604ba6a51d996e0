#include "store/read_models.h"

#include <simdjson.h>

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

void ReadModelTracker::Observe(std::string_view command_json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element command;
  // Journaled commands were parsed once already; one that does not parse now touches nothing.
  if (parser.parse(command_json.data(), command_json.size()).get(command)) return;
  std::string_view type = Member(command, "type");
  simdjson::dom::element body;
  if (type == "cross") {
    persons_.emplace(Member(command, "person"));
  } else if (type == "register_party") {
    if (!command["party"].get(body)) parties_.emplace(Member(body, "id"));
  } else if (type == "declare") {
    if (command["declaration"].get(body)) return;
    std::string_view id = Member(body, "id");
    Parties& parties = parties_of_declaration_[std::string(id)];
    parties.declarant = std::string(Member(body, "declarant"));
    parties.counterparty = std::string(Member(body, "counterparty"));
    TouchDeclaration(id);
  } else if (type == "process") {
    // A process is read like a declaration (goods_queries.h DeclarationJson answers both).
    if (command["process"].get(body)) return;
    std::string_view id = Member(body, "id");
    parties_of_declaration_[std::string(id)] = {std::string(Member(body, "declarant")), ""};
    TouchDeclaration(id);
  } else if (type == "stocktake") {
    parties_.emplace(Member(command, "party"));
  } else if (type == "inspect" || type == "cancel") {
    TouchDeclaration(Member(command, "declaration"));
  } else if (type == "release") {
    simdjson::dom::array declarations;
    if (command["declarations"].get(declarations)) return;
    for (simdjson::dom::element declaration : declarations) {
      std::string_view id;
      if (!declaration.get(id)) TouchDeclaration(id);
    }
  }
}

ReadModelChanges ReadModelTracker::Take(const engine::Engine& engine, uint64_t through_seq,
                                        bool replace_all) {
  ReadModelChanges changes;
  changes.zone = engine.profile().id;
  changes.through_seq = through_seq;
  changes.replace_all = replace_all;
  const int32_t offset = engine.profile().utc_offset_minutes;
  for (const std::string& id : persons_) {
    const engine::Person* person = engine.state().FindPerson(id);
    if (person != nullptr && person->inside) {
      changes.inside.push_back(
          {id, FormatRfc3339(person->entered_at, offset), person->entered_gate});
    } else if (!replace_all) {
      changes.outside.push_back(id);
    }
  }
  for (const std::string& party : parties_) {
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
