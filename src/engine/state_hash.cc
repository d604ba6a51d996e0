// The state hash: SHA-256 over a canonical encoding of the whole state, so that a live engine and a
// replay of its journal can be compared (SPEC behaviour 15). Registries are visited in sorted id
// order; hash-map iteration order never reaches the hash. Version byte first: changing what is
// hashed changes the version.
#include <algorithm>
#include <thread>

#include "base/encoding.h"
#include "engine/engine.h"

namespace twoline::engine {
namespace {

// Version 3: list memberships are hashed as the ids (names) of the lists, not as bit masks, so the
// hash does not depend on which bit a list was given (State::list_ids).
constexpr uint8_t kStateHashVersion = 3;

// Positions of a registry's records in id order.
template <typename Record, typename IdOf>
std::vector<uint32_t> SortedPositions(const std::vector<Record>& records, const IdOf& id_of) {
  std::vector<uint32_t> out(records.size());
  for (uint32_t i = 0; i < out.size(); ++i) out[i] = i;
  std::sort(out.begin(), out.end(),
            [&](uint32_t a, uint32_t b) { return id_of(records[a]) < id_of(records[b]); });
  return out;
}

// Writes one field per list a record is on, with the list's id, in id order.
class ListEncoder {
 public:
  explicit ListEncoder(const std::vector<ListId>& ids) : ids_(ids) {
    for (size_t bit = 0; bit < ids.size(); ++bit) {
      if (!ids[bit].name.empty()) bits_by_name_.push_back(bit);
    }
    std::sort(bits_by_name_.begin(), bits_by_name_.end(),
              [&](size_t a, size_t b) { return ids[a].name < ids[b].name; });
  }
  void Encode(FieldEncoder& e, uint32_t tag, uint64_t mask) const {
    if (mask == 0) return;
    for (size_t bit : bits_by_name_) {
      if (mask >> bit & 1) e.Bytes(tag, ids_[bit].name);
    }
  }

 private:
  const std::vector<ListId>& ids_;
  std::vector<size_t> bits_by_name_;
};

// Decided ids, in seq order (each seq is unique), with their id and body digests. With `stream`,
// `out` is hashed and emptied whenever it grows past 64 KiB.
void EncodeDecided(const DecidedIds& ids, std::string* out, Sha256Builder* stream) {
  FieldEncoder e(out);
  std::vector<const DecidedId*> decided;
  decided.reserve(ids.size());
  ids.ForEach([&](const DecidedId& record) { decided.push_back(&record); });
  std::sort(decided.begin(), decided.end(),
            [](const DecidedId* a, const DecidedId* b) { return a->seq < b->seq; });
  for (const DecidedId* record : decided) {
    e.U64(50, record->seq);
    e.Bytes(51, std::string_view(reinterpret_cast<const char*>(record->id_digest), 16));
    e.U64(52, record->body_digest);
    if (stream != nullptr && out->size() > (1 << 16)) {
      stream->Update(*out);
      out->clear();
    }
  }
}

}  // namespace

// The hashed bytes are, in order: the version, the registries (streamed into the hash), the
// decided ids, the ledger and the goods records. With two threads the second encodes the decided
// ids and the goods records while the first encodes the registries and the ledger; the parts are
// hashed in the same order, so the hash is the same.
Hash256 Engine::StateHash(int threads, size_t parallel_from) const {
  Sha256Builder hash;
  std::string decided, records;
  std::thread helper;
  const bool parallel = threads >= 2 && state_.decided.size() >= parallel_from;
  if (parallel) {
    helper = std::thread([&] {
      EncodeDecided(state_.decided, &decided, nullptr);
      state_.goods.EncodeRecords(&records);
    });
  }
  std::string buffer;
  FieldEncoder e(&buffer);
  const ListEncoder lists(state_.list_ids);
  buffer.push_back(static_cast<char>(kStateHashVersion));
  e.U64(1, last_seq_);
  e.Bytes(2, profile_ ? profile_->source_sha256 : "");
  auto flush = [&]() {
    if (buffer.size() > (1 << 16)) {
      hash.Update(buffer);
      buffer.clear();
    }
  };
  for (uint32_t i : SortedPositions(state_.parties, [](const Party& p) -> const std::string& { return p.id; })) {
    const Party& p = state_.parties[i];
    e.Bytes(10, p.id);
    e.Bytes(11, p.name);
    e.U64(12, static_cast<uint64_t>(p.kind) << 8 | static_cast<uint64_t>(p.credit));
    lists.Encode(e, 13, p.lists);
    flush();
  }
  for (uint32_t i : SortedPositions(state_.persons, [](const Person& p) -> const std::string& { return p.id; })) {
    const Person& p = state_.persons[i];
    e.Bytes(20, p.id);
    e.Bytes(21, p.name);
    e.Bytes(22, p.nationality_code());
    e.Bytes(23, p.resident_of_code());
    e.Bytes(24, p.affiliation);
    e.I64(25, p.birth_date);
    const StoredDocument* documents = state_.DocumentsOf(p);
    for (uint32_t k = 0; k < p.document_count; ++k) {
      const StoredDocument& d = documents[k];
      e.Bytes(26, kDocumentTypes[d.type]);
      e.Bytes(27, d.number);
      e.I64(28, d.valid_from);
      e.I64(29, d.valid_until);
    }
    lists.Encode(e, 30, p.lists);
    e.U64(31, p.inside);
    e.I64(32, p.inside ? p.entered_at : 0);
    e.Bytes(33, p.inside ? p.entered_gate : "");
    e.I64(34, p.fresh_food_day);
    e.I64(35, p.fresh_food_count);
    flush();
  }
  for (uint32_t i : SortedPositions(state_.items, [](const Item& p) -> const std::string& { return p.sku; })) {
    const Item& item = state_.items[i];
    e.Bytes(40, item.sku);
    e.Bytes(41, item.hs_code);
    e.Bytes(42, item.description);
    e.Bytes(43, item.unit);
    for (const auto& tag : item.tags) e.Bytes(44, tag);
    lists.Encode(e, 45, item.lists);
    flush();
  }
  if (!parallel) {
    EncodeDecided(state_.decided, &buffer, &hash);
    state_.goods.Encode(&buffer);
    hash.Update(buffer);
    return hash.Finish();
  }
  hash.Update(buffer);
  buffer.clear();
  state_.goods.EncodeLedger(&buffer);
  helper.join();
  hash.Update(decided);
  hash.Update(buffer);
  hash.Update(records);
  return hash.Finish();
}

}  // namespace twoline::engine
