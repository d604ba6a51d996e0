// The state hash: SHA-256 over a canonical encoding of the whole state, so that a live engine and a
// replay of its journal can be compared (SPEC behaviour 15). Registries are visited in sorted id
// order; hash-map iteration order never reaches the hash. Version byte first: changing what is
// hashed changes the version.
#include <algorithm>

#include "base/encoding.h"
#include "engine/engine.h"

namespace twoline::engine {
namespace {

constexpr uint8_t kStateHashVersion = 1;

template <typename Map>
std::vector<uint32_t> SortedIndexes(const Map& index) {
  std::vector<std::pair<std::string_view, uint32_t>> entries(index.begin(), index.end());
  std::sort(entries.begin(), entries.end());
  std::vector<uint32_t> out;
  out.reserve(entries.size());
  for (const auto& entry : entries) out.push_back(entry.second);
  return out;
}

}  // namespace

Hash256 Engine::StateHash() const {
  Sha256Builder hash;
  std::string buffer;
  FieldEncoder e(&buffer);
  buffer.push_back(static_cast<char>(kStateHashVersion));
  e.U64(1, last_seq_);
  e.Bytes(2, profile_ ? profile_->source_sha256 : "");
  auto flush = [&]() {
    if (buffer.size() > (1 << 16)) {
      hash.Update(buffer);
      buffer.clear();
    }
  };
  for (uint32_t i : SortedIndexes(state_.party_index)) {
    const Party& p = state_.parties[i];
    e.Bytes(10, p.id);
    e.Bytes(11, p.name);
    e.U64(12, static_cast<uint64_t>(p.kind) << 8 | static_cast<uint64_t>(p.credit));
    e.U64(13, p.lists);
    flush();
  }
  for (uint32_t i : SortedIndexes(state_.person_index)) {
    const Person& p = state_.persons[i];
    e.Bytes(20, p.id);
    e.Bytes(21, p.name);
    e.Bytes(22, p.nationality);
    e.Bytes(23, p.resident_of);
    e.Bytes(24, p.affiliation);
    e.I64(25, p.birth_date);
    for (const Document& d : p.documents) {
      e.Bytes(26, d.type);
      e.Bytes(27, d.number);
      e.I64(28, d.valid_from);
      e.I64(29, d.valid_until);
    }
    e.U64(30, p.lists);
    e.U64(31, p.inside);
    e.I64(32, p.inside ? p.entered_at : 0);
    e.Bytes(33, p.inside ? p.entered_gate : "");
    e.I64(34, p.fresh_food_day);
    e.I64(35, p.fresh_food_count);
    flush();
  }
  for (uint32_t i : SortedIndexes(state_.item_index)) {
    const Item& item = state_.items[i];
    e.Bytes(40, item.sku);
    e.Bytes(41, item.hs_code);
    e.Bytes(42, item.description);
    e.Bytes(43, item.unit);
    for (const auto& tag : item.tags) e.Bytes(44, tag);
    e.U64(45, item.lists);
    flush();
  }
  // Decided ids: sorted, with their seq and body digest.
  std::vector<std::pair<std::string_view, const DecidedId*>> decided;
  decided.reserve(state_.decided.size());
  for (const auto& [id, record] : state_.decided) decided.emplace_back(id, &record);
  std::sort(decided.begin(), decided.end());
  for (const auto& [id, record] : decided) {
    e.Bytes(50, id);
    e.U64(51, record->seq);
    e.Bytes(52, std::string_view(reinterpret_cast<const char*>(record->body_digest.data()), 32));
    flush();
  }
  state_.goods.Encode(&buffer);
  hash.Update(buffer);
  return hash.Finish();
}

}  // namespace twoline::engine
