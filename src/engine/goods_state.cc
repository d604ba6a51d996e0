// Canonical encoding of the goods state for the state hash (engine/state_hash.cc). Field tags
// 100-159 belong to the ledger, 160-229 to the records below. Maps are std::map, so records are
// visited in sorted id order; vectors in the order the journal created them.
#include "engine/goods_state.h"

#include <algorithm>

#include "base/encoding.h"

namespace twoline::engine {
namespace {

void EncodeReasons(FieldEncoder& e, const std::vector<Reason>& reasons) {
  e.U64(170, reasons.size());
  for (const Reason& reason : reasons) {
    e.Bytes(171, reason.rule);
    e.Bytes(172, reason.detail);
  }
}

void EncodeLine(FieldEncoder& e, const GoodsLineRecord& line) {
  e.Bytes(180, line.sku);
  e.Bytes(181, line.hs_code);
  e.I64(182, line.quantity_milli);
  e.I64(183, line.value_cents);
  e.Bytes(184, line.currency);
  e.I64(185, line.value_fen);
  e.Bytes(186, line.origin);
  e.I64(187, line.produced_on ? *line.produced_on : INT64_MIN);
  for (const std::string& certificate : line.certificates) e.Bytes(188, certificate);
  e.U64(189, static_cast<uint64_t>(line.status));
  e.I64(190, line.customs_duty_fen);
  e.I64(191, line.import_vat_fen);
  e.I64(192, line.exempted_fen);
}

void EncodeDeclaration(FieldEncoder& e, const DeclarationRecord& d) {
  e.Bytes(160, d.id);
  e.U64(161, static_cast<uint64_t>(d.kind) << 8 | static_cast<uint64_t>(d.state));
  e.Bytes(162, d.declarant);
  e.Bytes(163, d.counterparty);
  e.Bytes(164, d.purpose);
  e.U64(165, d.lines.size());
  for (const GoodsLineRecord& line : d.lines) EncodeLine(e, line);
  e.Bytes(166, d.command);
  e.I64(167, d.declared_at);
  e.I64(168, d.declared_on);
  e.U64(169, static_cast<uint64_t>(d.outcome));
  EncodeReasons(e, d.reasons);
  if (d.assessment) {
    e.I64(173, d.assessment->customs_duty_fen);
    e.I64(174, d.assessment->import_vat_fen);
    e.I64(175, d.assessment->personal_articles_tax_fen);
    e.I64(176, d.assessment->exempted_fen);
  }
  e.U64(177, (d.export_refund ? 1u : 0u) | (d.needs_measurements ? 2u : 0u) |
                 (d.held_lots ? 4u : 0u) |
                 (d.inspection_passed ? (*d.inspection_passed ? 8u : 16u) : 0u));
  for (const std::string& rule : d.hold_rules) e.Bytes(197, rule);
  e.Bytes(178, d.released_gate);
  e.I64(179, d.released_on);
  for (const GoodsEvent& event : d.events) {
    e.Bytes(193, event.command);
    e.I64(194, event.at);
    e.Bytes(195, event.what);
    e.Bytes(196, event.detail);
  }
}

void EncodeQuantities(FieldEncoder& e, uint8_t tag, const std::vector<SkuQuantity>& entries) {
  e.U64(tag, entries.size());
  for (const SkuQuantity& entry : entries) {
    e.Bytes(tag, entry.sku);
    e.I64(tag, entry.quantity_milli);
  }
}

}  // namespace

void GoodsState::Encode(std::string* out, const Spill& spill) const {
  EncodeLedger(out, spill);
  EncodeRecords(out, spill);
}

void GoodsState::EncodeLedger(std::string* out, const Spill& spill) const {
  // The state hash is taken by `verify` and by replays, which read the whole state anyway: the
  // place for the ledger's full sweeps, too slow for every command (ledger.h, "Invariants").
  ledger.CheckAllInvariants();
  ledger.Encode(out, spill);
}

void GoodsState::EncodeRecords(std::string* out, const Spill& spill) const {
  FieldEncoder e(out);
  auto offer = [&] {
    if (spill) spill(out);
  };
  e.U64(200, declarations.size());
  for (const auto& [id, declaration] : declarations) {
    EncodeDeclaration(e, declaration);
    offer();
  }
  e.U64(210, processes.size());
  for (const auto& [id, process] : processes) {
    e.Bytes(211, process.id);
    e.Bytes(212, process.declarant);
    e.Bytes(213, process.command);
    e.I64(214, process.at);
    e.I64(215, process.date);
    EncodeQuantities(e, 216, process.inputs);
    EncodeQuantities(e, 217, process.outputs);
    e.U64(218, static_cast<uint64_t>(process.output_status));
    offer();
  }
  e.U64(220, stocktakes.size());
  for (const StocktakeRecord& stocktake : stocktakes) {
    e.Bytes(221, stocktake.command);
    e.Bytes(222, stocktake.party);
    e.I64(223, stocktake.at);
    e.I64(224, stocktake.date);
    for (const StocktakeLine& line : stocktake.lines) {
      e.Bytes(225, line.sku);
      e.I64(226, line.book_milli);
      e.I64(227, line.counted_milli);
      e.I64(228, line.difference_value_fen);
    }
    offer();
  }
}

std::string_view GoodsState::DocumentOwner(std::string_view key) const {
  if (const DeclarationRecord* d = FindDeclaration(key)) return d->declarant;
  if (const ProcessRecord* p = FindProcess(key)) return p->declarant;
  return {};
}

std::string GoodsState::NewDocumentKey(std::string_view party, std::string_view id) const {
  std::string_view first = DocumentOwner(id);
  if (first.empty()) return std::string(id);
  if (first == party) return "";
  std::string key = std::string(id) + "@" + std::string(party);
  return IsDocumentKey(key) ? "" : key;
}

std::string GoodsState::ResolveDocument(std::string_view name, std::string_view scope,
                                        std::string* error) const {
  const std::string unknown = "unknown declaration \"" + std::string(name) + "\"";
  std::string_view id = name, party = scope;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    id = name.substr(0, at);
    party = name.substr(at + 1);
    if (!scope.empty() && party != scope) {
      *error = unknown;
      return "";
    }
  }
  std::string_view first = DocumentOwner(id);
  if (!party.empty()) {  // one party's document: by the id alone, or ID@PARTY
    if (!first.empty() && first == party) return std::string(id);
    std::string key = std::string(id) + "@" + std::string(party);
    if (IsDocumentKey(key)) return key;
    *error = unknown;
    return "";
  }
  if (first.empty()) {
    *error = unknown;
    return "";
  }
  auto shared = shared_ids.find(id);
  if (shared == shared_ids.end()) return std::string(id);
  std::string parties(first);
  for (const std::string& other : shared->second) parties += ", " + other;
  *error = "declaration id \"" + std::string(id) + "\" is used by several parties (" + parties +
           "): name one as " + std::string(id) + "@PARTY";
  return "";
}

void GoodsState::NoteDocumentKey(std::string_view key) {
  size_t at = key.find('@');
  if (at == std::string_view::npos) return;
  std::vector<std::string>& parties = shared_ids[std::string(key.substr(0, at))];
  std::string party(key.substr(at + 1));
  parties.insert(std::upper_bound(parties.begin(), parties.end(), party), party);
}

void GoodsState::IndexDocumentKeys() {
  shared_ids.clear();
  for (const auto& [key, record] : declarations) NoteDocumentKey(key);
  for (const auto& [key, record] : processes) NoteDocumentKey(key);
}

}  // namespace twoline::engine
