#include "store/goods_reads.h"

#include <simdjson.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "base/json_writer.h"
#include "engine/goods_queries.h"
#include "store/read_models.h"

namespace twoline::store {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Writes a parsed value back. Our rows are written by JsonWriter, so that decoding and encoding
// again gives the same bytes: a copy is the row as stored.
void CopyJson(JsonWriter& w, element value) {
  simdjson::dom::object object;
  simdjson::dom::array array;
  switch (value.type()) {
    case element_type::OBJECT:
      if (value.get(object)) break;
      w.BeginObject();
      for (auto field : object) {
        w.Key(field.key);
        CopyJson(w, field.value);
      }
      w.EndObject();
      return;
    case element_type::ARRAY:
      if (value.get(array)) break;
      w.BeginArray();
      for (element item : array) CopyJson(w, item);
      w.EndArray();
      return;
    case element_type::STRING:
      w.String(value.get_string().value_unsafe());
      return;
    case element_type::INT64:
      w.Int(value.get_int64().value_unsafe());
      return;
    case element_type::BOOL:
      w.Bool(value.get_bool().value_unsafe());
      return;
    case element_type::NULL_VALUE:
      w.Null();
      return;
    default:
      break;
  }
  w.Raw(simdjson::to_string(value));  // never written by us: kept as the parser reads it
}

std::string Copied(element value) {
  std::string out;
  JsonWriter w(&out);
  CopyJson(w, value);
  return out;
}

Error Malformed(const ViewRow& row) {
  return Error{"malformed " + row.kind + " row " + row.key + " in the read models"};
}

uint64_t LotOfKey(const std::string& key) { return std::stoull(key); }

// One lot a trace reached, ready to be written: views into the rows (or rewritten texts) that the
// Trace keeps.
struct TracedLot {
  std::string_view json;       // the "lots" entry, as the reader may see it
  std::string_view admission;  // the "admissions" entry, empty when none
};

struct Trace {
  std::vector<uint64_t> start;
  std::map<uint64_t, TracedLot> lots;
  bool truncated = false;
  size_t bytes = 0;                   // of the entries, to size the answer at once
  std::deque<std::vector<ViewRow>> rows;  // the rows read, which the entries point into
  std::deque<std::string> rewritten;      // entries cut for a party
};

// The members of a row written as {"<first>":A,"<second>":B} (read_models.h: "lot" and "document"
// rows), as raw JSON text: rows are ours, their ids and codes never hold a quote, so the second key
// with its quotes occurs once, where it is written. Empty views when the row is not of that form.
std::pair<std::string_view, std::string_view> SplitRow(std::string_view json,
                                                       std::string_view first,
                                                       std::string_view second) {
  const std::string head = "{\"" + std::string(first) + "\":";
  const std::string middle = ",\"" + std::string(second) + "\":";
  size_t at = json.rfind(middle);
  if (json.substr(0, head.size()) != head || at == std::string_view::npos || json.back() != '}') {
    return {};
  }
  return {json.substr(head.size(), at - head.size()),
          json.substr(at + middle.size(), json.size() - at - middle.size() - 1)};
}

// A lot row as the reader may see it: for `party`, a lot another party's transfer created has no
// "created_by" and no "parents". Adds the parents to follow. A rewritten entry is kept in `trace`.
Result<TracedLot> ReadLot(simdjson::dom::parser& parser, const ViewRow& row,
                          const std::string& party, Trace* trace, std::vector<uint64_t>* parents) {
  auto [lot_json, admission] = SplitRow(row.json, "lot", "admission");
  simdjson::dom::object lot;
  std::string_view source;
  simdjson::dom::array lot_parents;
  if (lot_json.empty() || parser.parse(lot_json.data(), lot_json.size()).get(lot) ||
      lot["source"].get(source) || lot["parents"].get(lot_parents)) {
    return Malformed(row);
  }
  // A transferred lot's parents are the sender's: a party never follows them.
  const bool received =
      !party.empty() && source == ledger::LotSourceName(ledger::LotSource::kTransfer);
  TracedLot traced;
  if (admission != "null") traced.admission = admission;
  if (!received) {
    traced.json = lot_json;
    for (element parent : lot_parents) {
      uint64_t id = 0;
      if (parent["lot"].get(id)) return Malformed(row);
      parents->push_back(id);
    }
    return traced;
  }
  std::string& cut = trace->rewritten.emplace_back();
  JsonWriter w(&cut);
  w.BeginObject();
  for (auto field : lot) {
    w.Key(field.key);
    if (field.key == "created_by") {
      w.String("");
    } else if (field.key == "parents") {
      w.BeginArray().EndArray();
    } else {
      CopyJson(w, field.value);
    }
  }
  w.EndObject();
  traced.json = cut;
  return traced;
}

// The lot rows of `ids` (sorted here): a run of adjacent ids (lots created together, the common
// case) in one range read, the others by key, at most kReadRowsMax a read.
std::vector<Result<std::vector<ViewRow>>> ReadLots(ViewReader& reader, std::vector<uint64_t>* ids) {
  constexpr size_t kRunMin = 8;  // shorter runs are read by key
  std::sort(ids->begin(), ids->end());
  std::vector<Result<std::vector<ViewRow>>> reads;
  std::vector<std::string> keys;
  auto flush = [&] {
    if (keys.empty()) return;
    reads.push_back(reader.Read("lot", keys));
    keys.clear();
  };
  for (size_t i = 0; i < ids->size();) {
    size_t end = i + 1;
    while (end < ids->size() && (*ids)[end] == (*ids)[end - 1] + 1 && end - i < kReadRowsMax) ++end;
    if (end - i >= kRunMin) {
      reads.push_back(reader.ReadRange("lot", LotKey((*ids)[i]), LotKey((*ids)[end - 1])));
    } else {
      for (size_t k = i; k < end; ++k) {
        keys.push_back(LotKey((*ids)[k]));
        if (keys.size() == kReadRowsMax) flush();
      }
    }
    i = end;
  }
  flush();
  return reads;
}

// Follows parents from `start`, one generation per read, as engine::TraceJson does (up to
// engine::kTraceLotsMax lots). For a party, only its own lots are listed and followed; so that its
// own lots' parents always are (a process's inputs, the lots a status change split), the walk
// drops a listed parent only when it turns out to be another party's.
Result<Trace> FollowLots(ViewReader& reader, const std::vector<uint64_t>& start,
                         const std::string& party) {
  Trace trace;
  simdjson::dom::parser parser;
  std::set<uint64_t> seen(start.begin(), start.end());
  std::vector<uint64_t> generation = start;
  while (!generation.empty()) {
    std::vector<uint64_t> next;
    for (Result<std::vector<ViewRow>>& rows : ReadLots(reader, &generation)) {
      if (!rows) return rows.error();
      for (const ViewRow& row : trace.rows.emplace_back(std::move(*rows))) {
        if (!party.empty() && row.owner != party) continue;
        std::vector<uint64_t> parents;
        auto lot = ReadLot(parser, row, party, &trace, &parents);
        if (!lot) return lot.error();
        trace.bytes += lot->json.size() + lot->admission.size() + 2;
        trace.lots.emplace(LotOfKey(row.key), *lot);
        for (uint64_t parent : parents) {
          if (seen.size() >= engine::kTraceLotsMax) {
            trace.truncated = true;
            break;
          }
          if (seen.insert(parent).second) next.push_back(parent);
        }
      }
    }
    generation = std::move(next);
  }
  for (uint64_t id : start) {
    if (trace.lots.count(id) != 0) trace.start.push_back(id);
  }
  return trace;
}

// Appends engine::TraceJson's object (without the newline) for `document`, from its
// "trace_start", to `out`.
Status WriteTraceOf(ViewReader& reader, const std::string& zone, const std::string& document,
                    element trace_start, const std::string& party, std::string* out) {
  std::string_view kind;
  simdjson::dom::array start_ids;
  if (trace_start["kind"].get(kind) || trace_start["start"].get(start_ids)) {
    return Error{"malformed document row " + document + " in the read models"};
  }
  std::vector<uint64_t> start;
  for (element id : start_ids) {
    uint64_t lot = 0;
    if (id.get(lot)) return Error{"malformed document row " + document + " in the read models"};
    start.push_back(lot);
  }
  auto trace = FollowLots(reader, start, party);
  if (!trace) return Error{trace.error().message};
  out->reserve(out->size() + trace->bytes + 64 * trace->start.size() + 1024);
  JsonWriter w(out);
  w.BeginObject().Key("zone").String(zone).Key("document").String(document);
  w.Key("kind").String(kind).Key("start").BeginArray();
  for (uint64_t id : trace->start) w.Int(static_cast<int64_t>(id));
  w.EndArray().Key("lots").BeginArray();
  for (const auto& [id, lot] : trace->lots) w.Raw(lot.json);
  w.EndArray().Key("admissions").BeginArray();
  for (const auto& [id, lot] : trace->lots) {
    if (!lot.admission.empty()) w.Raw(lot.admission);
  }
  w.EndArray().Key("truncated").Bool(trace->truncated).EndObject();
  return Status::Ok();
}

// Postings with another party's lots written as lot 0.
void WritePostings(JsonWriter& w, simdjson::dom::array postings, const std::string& party) {
  w.BeginArray();
  for (element posting : postings) {
    std::string_view from_party, to_party;
    simdjson::dom::object fields;
    if (posting.at_pointer("/from/party").get(from_party)) from_party = {};
    if (posting.at_pointer("/to/party").get(to_party)) to_party = {};
    if (posting.get(fields)) {
      CopyJson(w, posting);
      continue;
    }
    w.BeginObject();
    for (auto field : fields) {
      w.Key(field.key);
      if ((field.key == "from_lot" && from_party != party) ||
          (field.key == "to_lot" && to_party != party)) {
        w.Int(0);
      } else {
        CopyJson(w, field.value);
      }
    }
    w.EndObject();
  }
  w.EndArray();
}

// What a document read answers: the declaration view, or its trace alone.
enum class Part { kDeclaration, kTrace };

// The "document" row a read names (engine::GoodsState: document names): `name` is an id or
// ID@PARTY; a declarant (`party`) finds its own documents only. An officer's bare id that several
// parties use finds none and sets *ambiguous.
Result<std::optional<ViewRow>> FindDocumentRow(ViewReader& reader, const std::string& name,
                                               const std::string& party, std::string* ambiguous) {
  std::string id = name, owner = party;
  if (size_t at = name.find('@'); at != std::string::npos) {
    id = name.substr(0, at);
    owner = name.substr(at + 1);
    if (!party.empty() && owner != party) return std::optional<ViewRow>();
  }
  auto rows = owner.empty() ? reader.Read("document", {id})
                            : reader.Read("document", {id, id + "@" + owner});
  if (!rows) return rows.error();
  if (!owner.empty()) {
    // The key ID@OWNER when the owner's document has it, else the id alone if it is the owner's.
    for (auto row = rows->rbegin(); row != rows->rend(); ++row) {
      if (row->owner == owner) return std::optional<ViewRow>(std::move(*row));
    }
    return std::optional<ViewRow>();
  }
  if (rows->empty()) return std::optional<ViewRow>();
  auto shared = reader.ReadRange("document", id + "@", id + "@\x7f");
  if (!shared) return shared.error();
  if (shared->empty()) return std::optional<ViewRow>(std::move(rows->front()));
  std::string parties = rows->front().owner;
  for (const ViewRow& row : *shared) parties += ", " + row.owner;
  *ambiguous = "declaration id \"" + id + "\" is used by several parties (" + parties +
               "): name one as " + id + "@PARTY";
  return std::optional<ViewRow>();
}

Result<std::optional<std::string>> ReadDocument(Store& store, const std::string& zone,
                                                const std::string& name, const std::string& party,
                                                Part part, std::string* ambiguous) {
  std::optional<std::string> answer;
  Status status = store.ReadViews(zone, [&](ViewReader& reader) -> Status {
    answer.reset();
    ambiguous->clear();
    auto found = FindDocumentRow(reader, name, party, ambiguous);
    if (!found) return Error{found.error().message};
    if (!*found) return Status::Ok();
    const ViewRow& row = **found;
    const std::string id(engine::GoodsState::DocumentName(row.key));
    // {"zone",…,"postings":[…],"trace_start":{…}}: the view's members, then where its trace starts.
    const size_t trace_at = row.json.rfind(",\"trace_start\":");
    if (trace_at == std::string::npos || row.json.back() != '}') return Malformed(row);
    const std::string_view members = std::string_view(row.json).substr(0, trace_at);
    const std::string_view start = std::string_view(row.json).substr(
        trace_at + 15, row.json.size() - trace_at - 16);
    simdjson::dom::parser parser;
    element trace_start;
    if (parser.parse(start.data(), start.size()).get(trace_start)) return Malformed(row);
    std::string out;
    if (part == Part::kTrace) {
      Status written = WriteTraceOf(reader, zone, id, trace_start, party, &out);
      if (!written) return written;
      out.push_back('\n');
      answer = std::move(out);
      return Status::Ok();
    }
    out.reserve(members.size());
    if (party.empty()) {
      out.append(members);
    } else {
      // The postings are the last member before the trace: rewritten for the party, the rest as is.
      const size_t postings_at = members.rfind(",\"postings\":");
      simdjson::dom::array postings;
      if (postings_at == std::string_view::npos) return Malformed(row);
      const std::string_view list = members.substr(postings_at + 12);
      simdjson::dom::parser postings_parser;  // `parser` still holds trace_start
      if (postings_parser.parse(list.data(), list.size()).get(postings)) return Malformed(row);
      out.append(members.substr(0, postings_at));
      out += ",\"postings\":";
      JsonWriter w(&out);
      WritePostings(w, postings, party);
    }
    out += ",\"trace\":";
    Status written = WriteTraceOf(reader, zone, id, trace_start, party, &out);
    if (!written) return written;
    out += "}\n";
    answer = std::move(out);
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return answer;
}

// Every row of `kind` matching `filter`, page by page within one read.
Status ForEachRow(ViewReader& reader, const std::string& kind, const ViewFilter& filter,
                  const std::function<Status(const ViewRow&)>& each) {
  for (size_t offset = 0;; offset += kReadRowsMax) {
    auto page = reader.List(kind, filter, offset, kReadRowsMax);
    if (!page) return Error{page.error().message};
    for (const ViewRow& row : page->rows) {
      if (Status status = each(row); !status) return status;
    }
    if (page->rows.size() < kReadRowsMax) return Status::Ok();
  }
}

// The report's lists of what is open, refused and counted now.
Status ReadReportLists(ViewReader& reader, const ViewFilter& days, engine::ReportParts* parts) {
  Status status = ForEachRow(reader, "open", {}, [&](const ViewRow& row) -> Status {
    simdjson::dom::parser parser;
    simdjson::dom::object open;
    element held, entry;
    int64_t duty = 0, vat = 0, taxed = 0;
    if (parser.parse(row.json).get(open) || open["held"].get(held) || open["open"].get(entry) ||
        open["customs_duty_fen"].get(duty) || open["import_vat_fen"].get(vat) ||
        open["taxed"].get(taxed)) {
      return Malformed(row);
    }
    if (!held.is_null()) parts->held.push_back(Copied(held));
    parts->open.push_back(Copied(entry));
    parts->open_assessed.customs_duty_fen += duty;
    parts->open_assessed.import_vat_fen += vat;
    parts->open_assessed.taxed_declarations += taxed;
    return Status::Ok();
  });
  if (!status) return status;
  status = ForEachRow(reader, "refused", {}, [&](const ViewRow& row) -> Status {
    parts->refused.push_back(row.json);
    return Status::Ok();
  });
  if (!status) return status;
  return ForEachRow(reader, "stocktake", days, [&](const ViewRow& row) -> Status {
    simdjson::dom::parser parser;
    simdjson::dom::array entries;
    if (parser.parse(row.json).get(entries)) return Malformed(row);
    for (element entry : entries) parts->stocktakes.push_back(Copied(entry));
    return Status::Ok();
  });
}

}  // namespace

Result<std::optional<std::string>> ReadDeclaration(Store& store, const std::string& zone,
                                                   const std::string& id, const std::string& party,
                                                   std::string* ambiguous) {
  std::string ignored;
  return ReadDocument(store, zone, id, party, Part::kDeclaration,
                      ambiguous != nullptr ? ambiguous : &ignored);
}

Result<std::optional<std::string>> ReadTrace(Store& store, const std::string& zone,
                                             const std::string& id, const std::string& party,
                                             std::string* ambiguous) {
  std::string ignored;
  return ReadDocument(store, zone, id, party, Part::kTrace,
                      ambiguous != nullptr ? ambiguous : &ignored);
}

Result<std::string> ReadFlowsReport(Store& store, const std::string& zone, Date from, Date to) {
  engine::ReportParts parts;
  // Day keys start with the date and a space; '~' sorts after every character of the rest.
  ViewFilter days;
  days.key_min = FormatDate(from);
  days.key_max = FormatDate(to) + "~";
  Status status = store.ReadViews(zone, [&](ViewReader& reader) -> Status {
    parts = engine::ReportParts{};
    parts.zone = zone;
    parts.from = from;
    parts.to = to;
    Status read = ForEachRow(reader, "flow", days, [&](const ViewRow& row) -> Status {
      auto flow = FlowOfRow(row);
      if (!flow) return Error{flow.error().message};
      parts.flows.push_back(std::move(*flow));
      return Status::Ok();
    });
    if (!read) return read;
    read = ForEachRow(reader, "movement", days, [&](const ViewRow& row) -> Status {
      auto movement = MovementOfRow(row);
      if (!movement) return Error{movement.error().message};
      parts.movements.push_back(std::move(*movement));
      return Status::Ok();
    });
    if (!read) return read;
    return ReadReportLists(reader, days, &parts);
  });
  if (!status) return Error{status.message()};
  return engine::ReportPartsJson(parts);
}

Result<std::optional<std::string>> ReadBalance(Store& store, const std::string& zone,
                                               const std::string& of) {
  std::optional<std::string> balance;
  Status status = store.ReadViews(zone, [&](ViewReader& reader) -> Status {
    balance.reset();
    auto summary = reader.Read("balance", {of});
    if (!summary) return Error{summary.error().message};
    if (summary->empty()) return Status::Ok();
    const std::string& json = summary->front().json;
    if (json.empty() || json.back() != '}') {
      return Error{"malformed balance of party " + of + " in the read models"};
    }
    // The party's live lots in key order (sku, then id): its keys are those from "<party> " to
    // "<party> \x7f" (ids are of [A-Za-z0-9._:-]), one range of the rows' own order, read
    // kReadRowsMax at a time; a next range starts just after the last key read.
    std::vector<ViewRow> lots;
    const std::string last = of + " \x7f";
    std::string first = of + " ";
    for (;;) {
      auto rows = reader.ReadRange("balance_lot", first, last);
      if (!rows) return Error{rows.error().message};
      const size_t got = rows->size();
      if (got > 0) first = rows->back().key + '\x01';
      for (ViewRow& row : *rows) lots.push_back(std::move(row));
      if (got < kReadRowsMax) break;
    }
    std::vector<std::string_view> parts;
    parts.reserve(lots.size());
    for (const ViewRow& row : lots) parts.push_back(row.json);
    balance = engine::BalanceOfParts(json, parts);
    return Status::Ok();
  });
  if (!status) return Error{status.message()};
  return balance;
}

Result<std::string> BalanceForParty(std::string_view json, const std::string& party) {
  simdjson::dom::parser parser;
  simdjson::dom::object balance;
  if (parser.parse(json.data(), json.size()).get(balance)) {
    return Error{"malformed balance of party " + party + " in the read models"};
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  for (auto field : balance) {
    w.Key(field.key);
    simdjson::dom::array lots;
    if (field.key != "lots" || field.value.get(lots)) {
      CopyJson(w, field.value);
      continue;
    }
    w.BeginArray();
    for (element lot : lots) {
      std::string_view source;
      simdjson::dom::object members;
      if (lot.get(members)) {
        CopyJson(w, lot);
        continue;
      }
      const bool received = !members["source"].get(source) &&
                            source == ledger::LotSourceName(ledger::LotSource::kTransfer);
      w.BeginObject();
      for (auto member : members) {
        w.Key(member.key);
        if (member.key == "created_by" && received) {
          w.String("");
        } else {
          CopyJson(w, member.value);
        }
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  if (!json.empty() && json.back() == '\n') out.push_back('\n');
  return out;
}

}  // namespace twoline::store
