#include "store/read_models.h"

#include <algorithm>

#include "base/json_writer.h"
#include "base/time.h"
#include "engine/goods_queries.h"

namespace twoline::store {

void ReadModelTracker::Observe(const engine::Command& command) {
  if (const auto* cross = std::get_if<engine::CrossBody>(&command.body)) {
    persons_.emplace(cross->person);
  } else if (const auto* party = std::get_if<engine::PartyBody>(&command.body)) {
    parties_.emplace(party->id);
  } else if (const auto* declare = std::get_if<engine::DeclareBody>(&command.body)) {
    documents_.emplace(declare->id);
  } else if (const auto* process = std::get_if<engine::ProcessBody>(&command.body)) {
    documents_.emplace(process->id);
  } else if (const auto* stocktake = std::get_if<engine::StocktakeBody>(&command.body)) {
    parties_.emplace(stocktake->party);
  } else if (const auto* inspect = std::get_if<engine::InspectBody>(&command.body)) {
    documents_.emplace(inspect->declaration);
  } else if (const auto* cancel = std::get_if<engine::CancelBody>(&command.body)) {
    documents_.emplace(cancel->declaration);
  } else if (const auto* release = std::get_if<engine::ReleaseBody>(&command.body)) {
    documents_.insert(release->declarations.begin(), release->declarations.end());
  }
}

std::optional<ViewRow> DeclarationRow(const engine::Engine& engine, const std::string& id) {
  std::string json = engine::DeclarationSummaryJson(engine, id);
  if (json.empty()) return std::nullopt;
  ViewRow row;
  row.kind = "declaration";
  row.key = id;
  row.owner = engine::DocumentParties(engine, id).first;
  const engine::DeclarationRecord* record = engine.state().goods.FindDeclaration(id);
  row.state = record != nullptr ? engine::DeclarationStateName(record->state) : "posted";
  row.json = std::move(json);
  return row;
}

ReadModelChanges ReadModelTracker::Take(const engine::Engine& engine, uint64_t through_seq,
                                        bool replace_all) {
  ReadModelChanges changes;
  changes.zone = engine.profile().id;
  changes.through_seq = through_seq;
  changes.replace_all = replace_all;
  const int32_t offset = engine.profile().utc_offset_minutes;
  const engine::State& state = engine.state();
  if (replace_all) {
    // Every row, from the engine: persons inside, every party, every document.
    ClearTouched();
    for (const engine::Person& person : state.persons) {
      if (person.inside) persons_.insert(person.id);
    }
    for (const engine::Party& party : state.parties) parties_.insert(party.id);
    for (const auto& [id, record] : state.goods.declarations) documents_.insert(id);
    for (const auto& [id, record] : state.goods.processes) documents_.insert(id);
  }
  // A document's parties' balances changed with it.
  for (const std::string& id : documents_) {
    auto [declarant, counterparty] = engine::DocumentParties(engine, id);
    if (!declarant.empty()) parties_.insert(declarant);
    if (!counterparty.empty()) parties_.insert(counterparty);
  }
  // Rows in key order, as a rebuild writes them (and as the conformance tests compare them).
  std::vector<std::string> persons(persons_.begin(), persons_.end());
  std::vector<std::string> parties(parties_.begin(), parties_.end());
  std::vector<std::string> documents(documents_.begin(), documents_.end());
  std::sort(persons.begin(), persons.end());
  std::sort(parties.begin(), parties.end());
  std::sort(documents.begin(), documents.end());
  for (const std::string& id : persons) {
    const engine::Person* person = state.FindPerson(id);
    if (person != nullptr && person->inside) {
      changes.inside.push_back(
          {id, FormatRfc3339(person->entered_at, offset), person->entered_gate});
    } else if (!replace_all) {
      changes.outside.push_back(id);
    }
  }
  for (const std::string& party : parties) {
    if (party.empty() || state.FindParty(party) == nullptr) continue;
    changes.balances.push_back({party, BalanceView(engine, party)});
  }
  for (const std::string& id : documents) {
    if (std::optional<ViewRow> row = DeclarationRow(engine, id)) changes.views.push_back(std::move(*row));
  }
  ClearTouched();
  return changes;
}

void ReadModelTracker::ClearTouched() {
  persons_.clear();
  parties_.clear();
  documents_.clear();
}

bool ReadModelTracker::HasTouched() const {
  return !persons_.empty() || !parties_.empty() || !documents_.empty();
}

std::string ReadModelTracker::DeclarantOf(std::string_view declaration) const {
  if (engine_ == nullptr) return {};
  return engine::DocumentParties(*engine_, declaration).first;
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
