// The state hash: SHA-256 over a canonical encoding of the whole state, so that a live engine and a
// replay of its journal can be compared (SPEC behaviour 15). Registries are visited in sorted id
// order; hash-map iteration order never reaches the hash. Version byte first: changing what is
// hashed changes the version.
//
// The state is hashed in four parts — the registries (parties, persons, items), the decided ids, the
// ledger, and the goods records (declarations, processes, stocktakes) — each the SHA-256 of its own
// encoding; the state hash is the SHA-256 of the version, the last seq, the profile's digest and the
// four part digests. The parts share nothing, so they are taken on different threads, and a snapshot
// load hashes each part as soon as it has decoded it (engine/snapshot.cc).
#include <algorithm>
#include <thread>

#include "base/check.h"
#include "base/encoding.h"
#include "engine/engine.h"

namespace twoline::engine {
namespace {

// Version 3: list memberships are hashed as the ids (names) of the lists, not as bit masks, so the
// hash does not depend on which bit a list was given (State::list_ids). Version 4: the state is
// hashed in four parts (above).
constexpr uint8_t kStateHashVersion = 4;

// Positions of a registry's records in id order.
template <typename Records, typename IdOf>
std::vector<uint32_t> SortedPositions(const Records& records, const IdOf& id_of) {
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

// Decided ids, in seq order (each seq is unique and at most `last_seq`), with their id and body
// digests, offered to `spill` after each. Placed by seq rather than sorted: a comparison sort of
// millions of pointers into the table reads it at random twenty times over.
void EncodeDecided(const DecidedIds& ids, uint64_t last_seq, std::string* out, const Spill& spill) {
  FieldEncoder e(out);
  std::vector<const DecidedId*> by_seq;
  if (last_seq <= 4 * ids.size() + 1024) {  // dense, as every journal's seqs are
    by_seq.assign(last_seq + 1, nullptr);
    ids.ForEach([&](const DecidedId& record) {
      CHECK(record.seq <= last_seq && by_seq[record.seq] == nullptr);
      by_seq[record.seq] = &record;
    });
  } else {
    ids.ForEach([&](const DecidedId& record) { by_seq.push_back(&record); });
    std::sort(by_seq.begin(), by_seq.end(),
              [](const DecidedId* a, const DecidedId* b) { return a->seq < b->seq; });
  }
  // The records lie at random places in the table: each is fetched a few dozen records ahead, so
  // that the memory reads overlap instead of waiting one after the other.
  constexpr size_t kAhead = 32;
  for (size_t i = 0; i < by_seq.size(); ++i) {
    if (i + kAhead < by_seq.size() && by_seq[i + kAhead] != nullptr) {
      __builtin_prefetch(by_seq[i + kAhead]);
    }
    const DecidedId* record = by_seq[i];
    if (record == nullptr) continue;
    e.U64(50, record->seq);
    e.Bytes(51, std::string_view(reinterpret_cast<const char*>(record->id_digest), 16));
    e.U64(52, record->body_digest);
    if ((i & 255) == 0) spill(out);
  }
}

// A spill that hashes what was written once it passes 64 KiB.
Spill HashInto(Sha256Builder* hash) {
  return [hash](std::string* out) {
    if (out->size() >= (1 << 16)) {
      hash->Update(*out);
      out->clear();
    }
  };
}

// Hashes what `encode` writes, streamed in pieces of about 64 KiB.
template <typename Encode>
Hash256 HashOf(const Encode& encode) {
  Sha256Builder hash;
  std::string buffer;
  buffer.reserve((1 << 16) + 4096);
  encode(&buffer, HashInto(&hash));
  hash.Update(buffer);
  return hash.Finish();
}

void EncodeRegistries(const State& state, std::string* out, const Spill& spill) {
  FieldEncoder e(out);
  const ListEncoder lists(state.list_ids);
  for (uint32_t i : SortedPositions(state.parties, [](const Party& p) -> const std::string& { return p.id; })) {
    const Party& p = state.parties[i];
    e.Bytes(10, p.id);
    e.Bytes(11, p.name);
    e.U64(12, static_cast<uint64_t>(p.kind) << 8 | static_cast<uint64_t>(p.credit));
    lists.Encode(e, 13, p.lists);
    spill(out);
  }
  for (uint32_t i : SortedPositions(state.persons, [](const Person& p) -> const std::string& { return p.id; })) {
    const Person& p = state.persons[i];
    e.Bytes(20, p.id);
    e.Bytes(21, p.name);
    e.Bytes(22, p.nationality_code());
    e.Bytes(23, p.resident_of_code());
    e.Bytes(24, p.affiliation);
    e.I64(25, p.birth_date);
    const StoredDocument* documents = state.DocumentsOf(p);
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
    spill(out);
  }
  for (uint32_t i : SortedPositions(state.items, [](const Item& p) -> const std::string& { return p.sku; })) {
    const Item& item = state.items[i];
    e.Bytes(40, item.sku);
    e.Bytes(41, item.hs_code);
    e.Bytes(42, item.description);
    e.Bytes(43, item.unit);
    for (const auto& tag : item.tags) e.Bytes(44, tag);
    lists.Encode(e, 45, item.lists);
    spill(out);
  }
}

}  // namespace

Hash256 StatePartHash(const State& state, uint64_t last_seq, StatePart part) {
  switch (part) {
    case StatePart::kRegistries:
      return HashOf([&](std::string* out, const Spill& spill) { EncodeRegistries(state, out, spill); });
    case StatePart::kDecided:
      return HashOf([&](std::string* out, const Spill& spill) {
        EncodeDecided(state.decided, last_seq, out, spill);
      });
    case StatePart::kLedger:
      return HashOf([&](std::string* out, const Spill& spill) { state.goods.EncodeLedger(out, spill); });
    case StatePart::kRecords:
      return HashOf([&](std::string* out, const Spill& spill) { state.goods.EncodeRecords(out, spill); });
  }
  CHECK(false);
  return {};
}

Hash256 CombineStateHash(uint64_t last_seq, std::string_view profile_sha256,
                         const StatePartHashes& parts) {
  std::string buffer;
  FieldEncoder e(&buffer);
  buffer.push_back(static_cast<char>(kStateHashVersion));
  e.U64(1, last_seq);
  e.Bytes(2, profile_sha256);
  for (size_t i = 0; i < parts.size(); ++i) {
    e.Bytes(static_cast<uint8_t>(3 + i),
            std::string_view(reinterpret_cast<const char*>(parts[i].data()), parts[i].size()));
  }
  return Sha256(buffer);
}

// With two threads the second hashes the decided ids and the goods records while the first hashes
// the registries and the ledger (about even on a simulated zone).
Hash256 Engine::StateHash(int threads, size_t parallel_from) const {
  StatePartHashes parts;
  auto part = [&](StatePart which) {
    parts[static_cast<size_t>(which)] = StatePartHash(state_, last_seq_, which);
  };
  if (threads >= 2 && state_.decided.size() >= parallel_from) {
    std::thread helper([&] {
      part(StatePart::kDecided);
      part(StatePart::kRecords);
    });
    part(StatePart::kRegistries);
    part(StatePart::kLedger);
    helper.join();
  } else {
    for (StatePart which : {StatePart::kRegistries, StatePart::kDecided, StatePart::kLedger,
                            StatePart::kRecords}) {
      part(which);
    }
  }
  return CombineStateHash(last_seq_, profile_ ? profile_->source_sha256 : "", parts);
}

}  // namespace twoline::engine
