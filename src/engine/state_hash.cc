// The state hash: SHA-256 over a canonical encoding of the whole state, so that a live engine and a
// replay of its journal can be compared (SPEC behaviour 15). Registries are visited in sorted id
// order; hash-map iteration order never reaches the hash. Version byte first: changing what is
// hashed changes the version.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "base/check.h"
#include "base/encoding.h"
#include "engine/engine.h"

namespace twoline::engine {
namespace {

// Version 3: list memberships are hashed as the ids (names) of the lists, not as bit masks, so the
// hash does not depend on which bit a list was given (State::list_ids).
constexpr uint8_t kStateHashVersion = 3;

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
  for (const DecidedId* record : by_seq) {
    if (record == nullptr) continue;
    e.U64(50, record->seq);
    e.Bytes(51, std::string_view(reinterpret_cast<const char*>(record->id_digest), 16));
    e.U64(52, record->body_digest);
    spill(out);
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

// Encoded bytes handed from the thread that encodes them to the thread that hashes them, in order,
// in chunks of about 1 MiB that go back to the encoder once hashed: the encoded state is never held
// whole, and the memory it passes through stays few and warm (growing one string to hundreds of
// megabytes spent more time in page faults and copies than in encoding). At most kChunksMax chunks
// wait: the encoder then waits for the hasher.
class ChunkPipe {
 public:
  static constexpr size_t kChunkBytes = 1 << 20;
  static constexpr size_t kChunksMax = 64;

  // Encoder: hands *out over once it holds a chunk, leaving it empty.
  Spill Spiller() {
    return [this](std::string* out) {
      if (out->size() >= kChunkBytes) Push(out);
    };
  }
  // Encoder: hands over what is left and ends the stream.
  void Close(std::string* out) {
    if (!out->empty()) Push(out);
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    ready_.notify_one();
  }
  // Hasher: hashes every chunk in order until the stream ends.
  void HashAll(Sha256Builder* hash) {
    for (;;) {
      std::string chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [&] { return !queued_.empty() || closed_; });
        if (queued_.empty()) return;
        chunk = std::move(queued_.front());
        queued_.pop_front();
        space_.notify_one();
      }
      hash->Update(chunk);
      chunk.clear();
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(std::move(chunk));
    }
  }

 private:
  void Push(std::string* out) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return queued_.size() < kChunksMax; });
    queued_.push_back(std::move(*out));
    if (free_.empty()) {
      *out = std::string();
      out->reserve(kChunkBytes + 4096);
    } else {
      *out = std::move(free_.back());
      free_.pop_back();
    }
    ready_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::string> queued_;
  std::vector<std::string> free_;
  bool closed_ = false;
};

}  // namespace

// The hashed bytes are, in order: the version, the registries, the decided ids, the ledger and the
// goods records, streamed into the hash as they are encoded. With two threads the second encodes the
// decided ids and the goods records into two pipes while the first encodes the registries and the
// ledger; the first hashes the parts in the same order, so the hash is the same.
Hash256 Engine::StateHash(int threads, size_t parallel_from) const {
  Sha256Builder hash;
  const Spill hash_spill = HashInto(&hash);
  std::thread helper;
  ChunkPipe decided_pipe, records_pipe;
  const bool parallel = threads >= 2 && state_.decided.size() >= parallel_from;
  if (parallel) {
    helper = std::thread([&] {
      std::string out;
      EncodeDecided(state_.decided, last_seq_, &out, decided_pipe.Spiller());
      decided_pipe.Close(&out);
      state_.goods.EncodeRecords(&out, records_pipe.Spiller());
      records_pipe.Close(&out);
    });
  }
  std::string buffer;
  FieldEncoder e(&buffer);
  const ListEncoder lists(state_.list_ids);
  buffer.push_back(static_cast<char>(kStateHashVersion));
  e.U64(1, last_seq_);
  e.Bytes(2, profile_ ? profile_->source_sha256 : "");
  for (uint32_t i : SortedPositions(state_.parties, [](const Party& p) -> const std::string& { return p.id; })) {
    const Party& p = state_.parties[i];
    e.Bytes(10, p.id);
    e.Bytes(11, p.name);
    e.U64(12, static_cast<uint64_t>(p.kind) << 8 | static_cast<uint64_t>(p.credit));
    lists.Encode(e, 13, p.lists);
    hash_spill(&buffer);
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
    hash_spill(&buffer);
  }
  for (uint32_t i : SortedPositions(state_.items, [](const Item& p) -> const std::string& { return p.sku; })) {
    const Item& item = state_.items[i];
    e.Bytes(40, item.sku);
    e.Bytes(41, item.hs_code);
    e.Bytes(42, item.description);
    e.Bytes(43, item.unit);
    for (const auto& tag : item.tags) e.Bytes(44, tag);
    lists.Encode(e, 45, item.lists);
    hash_spill(&buffer);
  }
  if (!parallel) {
    EncodeDecided(state_.decided, last_seq_, &buffer, hash_spill);
    state_.goods.Encode(&buffer, hash_spill);
    hash.Update(buffer);
    return hash.Finish();
  }
  hash.Update(buffer);
  buffer.clear();
  decided_pipe.HashAll(&hash);
  state_.goods.EncodeLedger(&buffer, hash_spill);
  hash.Update(buffer);
  records_pipe.HashAll(&hash);
  helper.join();
  return hash.Finish();
}

}  // namespace twoline::engine
