#include "store/read_models.h"

#include <algorithm>

#include "base/format.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "engine/goods_queries.h"

namespace twoline::store {

namespace {

// The "outcome" of a canonical decision ("" when it has none).
std::string_view OutcomeOf(std::string_view decision) {
  constexpr std::string_view kOutcome = "\"outcome\":\"";
  size_t at = decision.find(kOutcome);
  if (at == std::string_view::npos) return {};
  size_t from = at + kOutcome.size();
  return decision.substr(from, decision.find('"', from) - from);
}

}  // namespace

std::string ReadModelTracker::DocumentKey(std::string_view name, std::string_view scope) const {
  if (engine_ == nullptr) return std::string(name);
  std::string error;
  std::string key = engine_->state().goods.ResolveDocument(name, scope, &error);
  return key.empty() ? std::string(name) : key;
}

void ReadModelTracker::ObserveTouched(const engine::Command& command) {
  // Documents are named as the command names them, in its scope (engine::GoodsState: document
  // names); the rows are keyed by the document's key.
  const std::string_view scope = command.IdScope();
  if (const auto* cross = std::get_if<engine::CrossBody>(&command.body)) {
    crossed_.emplace(cross->person);
  } else if (const auto* person = std::get_if<engine::PersonBody>(&command.body)) {
    persons_.emplace(person->id);
  } else if (const auto* list = std::get_if<engine::ListBody>(&command.body)) {
    // Members may be persons or parties; an id that is neither is skipped when read.
    for (const auto* ids : {&list->add, &list->remove}) {
      for (const std::string& id : *ids) {
        persons_.insert(id);
        parties_.insert(id);
      }
    }
  } else if (const auto* party = std::get_if<engine::PartyBody>(&command.body)) {
    parties_.emplace(party->id);
  } else if (const auto* declare = std::get_if<engine::DeclareBody>(&command.body)) {
    documents_.emplace(DocumentKey(declare->id, declare->declarant));
  } else if (const auto* process = std::get_if<engine::ProcessBody>(&command.body)) {
    documents_.emplace(DocumentKey(process->id, process->declarant));
  } else if (const auto* stocktake = std::get_if<engine::StocktakeBody>(&command.body)) {
    parties_.emplace(stocktake->party);
  } else if (const auto* inspect = std::get_if<engine::InspectBody>(&command.body)) {
    documents_.emplace(DocumentKey(inspect->declaration, scope));
  } else if (const auto* cancel = std::get_if<engine::CancelBody>(&command.body)) {
    documents_.emplace(DocumentKey(cancel->declaration, scope));
  } else if (const auto* release = std::get_if<engine::ReleaseBody>(&command.body)) {
    for (const std::string& name : release->declarations) {
      documents_.emplace(DocumentKey(name, scope));
    }
  }
}

void ReadModelTracker::Observe(const engine::Command& command, uint64_t seq,
                               std::string_view decision) {
  ObserveTouched(command);
  if (engine_ == nullptr || !engine_->has_profile()) return;
  const ledger::Ledger& ledger = engine_->state().goods.ledger;
  if (ledger.executions() != executions_seen_) {
    executions_seen_ = ledger.executions();
    lots_.insert(ledger.last_touched_lots().begin(), ledger.last_touched_lots().end());
  }
  // Candidates for the day totals; Take checks the state they reached.
  const std::string_view outcome = OutcomeOf(decision);
  const bool decided = outcome == "accepted" || outcome == "held";
  const std::string_view scope = command.IdScope();
  if (const auto* release = std::get_if<engine::ReleaseBody>(&command.body); release && decided) {
    for (const std::string& name : release->declarations) released_.insert(DocumentKey(name, scope));
  } else if (const auto* declare = std::get_if<engine::DeclareBody>(&command.body); declare && decided) {
    posted_.insert(DocumentKey(declare->id, declare->declarant));
  } else if (const auto* inspect = std::get_if<engine::InspectBody>(&command.body); inspect && decided) {
    posted_.insert(DocumentKey(inspect->declaration, scope));
  } else if (const auto* process = std::get_if<engine::ProcessBody>(&command.body); process && decided) {
    processes_.insert(DocumentKey(process->id, process->declarant));
  }
  const auto* cross = std::get_if<engine::CrossBody>(&command.body);
  if (cross == nullptr) return;
  // {"seq","person","gate","line","direction","at", then the decision's own fields: id, outcome,
  // reasons, assessment}: the canonical decision is an object, spliced in without its brace.
  // Sized once: grown by doubling, the row took five allocations on the deciding thread.
  std::string json;
  json.reserve(160 + cross->person.size() + cross->gate.size() + decision.size());
  JsonWriter w(&json);
  w.BeginObject().Key("seq").Int(static_cast<int64_t>(seq)).Key("person").String(cross->person);
  w.Key("gate").String(cross->gate);
  if (const policy::Gate* gate = engine_->profile().FindGate(cross->gate)) {
    w.Key("line").String(policy::LineName(gate->line));
  }
  w.Key("direction").String(policy::DirectionName(cross->direction));
  w.Key("at").String(FormatRfc3339(command.at.unix_seconds, engine_->profile().utc_offset_minutes));
  w.EndObject();
  if (decision.size() > 2 && decision.front() == '{') {
    json.pop_back();  // the closing brace
    json += ',';
    json.append(decision.substr(1));
  }
  crossings_.push_back(ViewRow{"crossing", SeqKey(seq), cross->person, std::string(outcome),
                               std::move(json), false});
}

std::string SeqKey(uint64_t seq) {
  // "%020llu", written digit by digit: one per crossing on the deciding thread (perf of `run --db`
  // had snprintf at a tenth of ReadModelTracker::Observe).
  std::string digits(20, '0');
  for (size_t i = digits.size(); seq != 0; seq /= 10) {
    digits[--i] = static_cast<char>('0' + seq % 10);
  }
  return digits;
}

std::optional<ViewRow> PersonRow(const engine::Engine& engine, const std::string& id) {
  const engine::State& state = engine.state();
  const engine::Person* p = state.FindPerson(id);
  if (p == nullptr) return std::nullopt;
  std::string json;
  json.reserve(256 + 96 * p->document_count);
  JsonWriter w(&json);
  w.BeginObject().Key("id").String(p->id).Key("name").String(p->name);
  w.Key("nationality").String(p->nationality_code()).Key("resident_of").String(p->resident_of_code());
  w.Key("birth_date").String(FormatDate(p->birth_date)).Key("affiliation").String(p->affiliation);
  w.Key("documents").BeginArray();
  const engine::StoredDocument* documents = state.DocumentsOf(*p);
  for (uint32_t k = 0; k < p->document_count; ++k) {
    const engine::StoredDocument& d = documents[k];
    w.BeginObject().Key("type").String(engine::kDocumentTypes[d.type]).Key("number").String(d.number);
    w.Key("valid_from").String(FormatDate(d.valid_from));
    w.Key("valid_until").String(FormatDate(d.valid_until)).EndObject();
  }
  w.EndArray().Key("lists").BeginArray();
  for (const policy::ListSpec& list : engine.profile().lists) {
    if (state.OnList(p->lists, list.name)) w.String(list.name);
  }
  w.EndArray().EndObject();
  return ViewRow{"person", id, "", "", std::move(json), false};
}

std::string PersonJson(std::string_view row, const std::optional<PresenceRow>& presence) {
  std::string json(row);
  if (json.empty() || json.back() != '}') return json;
  json.pop_back();  // the object's closing brace
  json += ',';
  JsonWriter w(&json);
  w.Key("inside").Bool(presence.has_value());
  if (presence) {
    w.Key("entered_at").String(presence->entered_at);
    w.Key("entered_gate").String(presence->gate);
  }
  json += '}';
  return json;
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
  return Take(engine, through_seq, replace_all, nullptr);
}

ReadModelChanges ReadModelTracker::Take(const engine::Engine& engine, uint64_t through_seq,
                                        bool replace_all, const ViewRowSink& each) {
  ReadModelChanges changes;
  const ViewRowSink emit = each ? each : ViewRowSink([&changes](ViewRow&& row) {
    changes.views.push_back(std::move(row));
  });
  changes.zone = engine.profile().id;
  changes.through_seq = through_seq;
  changes.replace_all = replace_all;
  const int32_t offset = engine.profile().utc_offset_minutes;
  const engine::State& state = engine.state();
  const ledger::Ledger& ledger = state.goods.ledger;
  if (replace_all) {
    // Every row, from the engine: every person, party, document and lot.
    persons_.clear();
    crossed_.clear();
    parties_.clear();
    documents_.clear();
    lots_.clear();
    stocktakes_written_ = 0;
    for (const engine::Person& person : state.persons) persons_.insert(person.id);
    // Crossing rows are history the engine does not keep: a rebuild writes those replayed since
    // the load started (all of them after a full replay).
    for (const engine::Party& party : state.parties) parties_.insert(party.id);
    state.goods.declarations.ForEachKey([&](const std::string& id) { documents_.insert(id); });
    for (const auto& [id, record] : state.goods.processes) documents_.insert(id);
    for (const ledger::Lot& lot : ledger.lots()) lots_.insert(lot.id);
  }
  // A document's parties' balances changed with it.
  for (const std::string& id : documents_) {
    auto [declarant, counterparty] = engine::DocumentParties(engine, id);
    if (!declarant.empty()) parties_.insert(declarant);
    if (!counterparty.empty()) parties_.insert(counterparty);
  }
  // Rows in key order, as a rebuild writes them (and as the conformance tests compare them).
  std::vector<std::string> persons(persons_.begin(), persons_.end());
  for (const std::string& id : crossed_) {
    if (persons_.count(id) == 0) persons.push_back(id);
  }
  std::vector<std::string> parties(parties_.begin(), parties_.end());
  std::vector<std::string> documents(documents_.begin(), documents_.end());
  std::sort(persons.begin(), persons.end());
  std::sort(parties.begin(), parties.end());
  std::sort(documents.begin(), documents.end());
  // Room for every row at once (a person's, a party's, three a document, two a lot, each
  // crossing's): a stretch of a busy day is a few hundred thousand rows, moved again at every
  // doubling otherwise.
  if (!each) {
    changes.views.reserve(persons.size() + parties.size() + 3 * documents.size() +
                          2 * lots_.size() + crossings_.size() + 64);
  }
  // A person's row when their registration or lists changed; their presence row whenever they
  // crossed too (a crossing leaves the row as it is: the person page joins presence when read).
  for (const std::string& id : persons) {
    const bool registered = persons_.count(id) != 0;
    if (registered) {
      std::optional<ViewRow> row = PersonRow(engine, id);
      if (row) emit(std::move(*row));
    }
    const engine::Person* person = state.FindPerson(id);
    if (person != nullptr && person->inside) {
      changes.inside.push_back(
          {id, FormatRfc3339(person->entered_at, offset), person->entered_gate});
    } else if (!replace_all) {
      changes.outside.push_back(id);
    }
  }
  for (const std::string& party : parties) {
    if (party.empty()) continue;
    if (std::optional<ViewRow> row = BalanceRow(engine, party)) emit(std::move(*row));
  }
  for (const std::string& id : documents) {
    if (std::optional<ViewRow> row = DeclarationRow(engine, id)) emit(std::move(*row));
    if (std::optional<ViewRow> row = DocumentRow(engine, id)) emit(std::move(*row));
    std::optional<ViewRow> open = OpenRow(engine, id);
    if (open && (!open->erase || !replace_all)) emit(std::move(*open));
  }
  // A lot's refused goods are its (party, sku)'s refused account; a lot that holds refused goods,
  // or held them, has that status.
  std::set<std::pair<std::string, std::string>> refused;
  for (uint64_t id : lots_) {
    if (std::optional<ViewRow> row = LotRow(engine, id)) emit(std::move(*row));
    std::optional<ViewRow> live = BalanceLotRow(engine, id);
    if (live && (!live->erase || !replace_all)) emit(std::move(*live));
    const ledger::Lot* lot = ledger.FindLot(id);
    if (lot != nullptr && lot->status == ledger::Status::kRefused) {
      refused.emplace(lot->spec.party, lot->spec.sku);
    }
  }
  for (const auto& [party, sku] : refused) {
    ViewRow row = RefusedRow(engine, party, sku);
    if (!row.erase || !replace_all) emit(std::move(row));
  }
  for (size_t index = stocktakes_written_; index < state.goods.stocktakes.size(); ++index) {
    if (std::optional<ViewRow> row = StocktakeRow(engine, index)) {
      emit(std::move(*row));
    }
  }
  stocktakes_written_ = state.goods.stocktakes.size();
  AddTotals(engine, replace_all, emit);
  for (ViewRow& row : crossings_) emit(std::move(row));
  ClearTouched();
  return changes;
}

// Adds what was released or posted since the last Take to the day totals, and writes the days that
// changed (every day, for a rebuild).
void ReadModelTracker::AddTotals(const engine::Engine& engine, bool replace_all,
                                 const ViewRowSink& emit) {
  const engine::GoodsState& goods = engine.state().goods;
  std::set<std::string> released, posted, processes;
  if (replace_all) {
    flows_.clear();
    movements_.clear();
    totals_known_ = true;
    goods.declarations.ForEachKey([&](const std::string& id) { released.insert(id); });
    posted = released;
    for (const auto& [id, record] : goods.processes) processes.insert(id);
  } else if (totals_known_) {
    released = std::move(released_);
    posted = std::move(posted_);
    processes = std::move(processes_);
  }
  std::set<std::string> flow_keys, movement_keys;
  auto add_movement = [&](const engine::ReportMovement& movement) {
    std::string key = MovementKey(movement);
    auto [it, inserted] = movements_.try_emplace(key, movement);
    if (!inserted) it->second.documents += movement.documents;
    movement_keys.insert(std::move(key));
  };
  for (const std::string& id : released) {
    const engine::DeclarationRecord* record = goods.FindDeclaration(id);
    std::optional<engine::ReportFlow> flow = record ? engine::ReleasedFlowOf(*record) : std::nullopt;
    if (!flow) continue;
    std::string key = FlowKey(*flow);
    auto [it, inserted] = flows_.try_emplace(key, *flow);
    if (!inserted) it->second.totals += flow->totals;
    flow_keys.insert(std::move(key));
  }
  for (const std::string& id : posted) {
    const engine::DeclarationRecord* record = goods.FindDeclaration(id);
    if (auto movement = record ? engine::MovementOf(*record) : std::nullopt) add_movement(*movement);
  }
  for (const std::string& id : processes) {
    if (const engine::ProcessRecord* process = goods.FindProcess(id)) {
      add_movement(engine::MovementOf(*process));
    }
  }
  for (const std::string& key : flow_keys) emit(FlowRow(flows_.at(key)));
  for (const std::string& key : movement_keys) emit(MovementRow(movements_.at(key)));
}

Status ReadModelTracker::LoadTotals(Store& store, const std::string& zone) {
  flows_.clear();
  movements_.clear();
  for (const char* kind : {"flow", "movement"}) {
    for (size_t offset = 0;; offset += kReadRowsMax) {
      auto page = store.ListViews(zone, kind, ViewFilter{}, offset, kReadRowsMax);
      if (!page) return Error{"zone " + zone + ": reading the day totals: " + page.error().message};
      for (const ViewRow& row : page->rows) {
        if (row.kind == "flow") {
          auto flow = FlowOfRow(row);
          if (!flow) return Error{"zone " + zone + ": flow " + row.key + ": " + flow.error().message};
          flows_.emplace(row.key, std::move(*flow));
        } else {
          auto movement = MovementOfRow(row);
          if (!movement) {
            return Error{"zone " + zone + ": movement " + row.key + ": " + movement.error().message};
          }
          movements_.emplace(row.key, std::move(*movement));
        }
      }
      if (page->rows.size() < kReadRowsMax) break;
    }
  }
  totals_known_ = true;
  return Status::Ok();
}

void ReadModelTracker::ClearTouched() {
  persons_.clear();
  crossed_.clear();
  parties_.clear();
  documents_.clear();
  lots_.clear();
  crossings_.clear();
  ForgetTotalsPending();
}

void ReadModelTracker::ForgetTotalsPending() {
  released_.clear();
  posted_.clear();
  processes_.clear();
  if (engine_ != nullptr) stocktakes_written_ = engine_->state().goods.stocktakes.size();
}

bool ReadModelTracker::HasTouched() const {
  return !persons_.empty() || !crossed_.empty() || !parties_.empty() || !documents_.empty() ||
         !lots_.empty() || !crossings_.empty();
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
