// Compact indexes for the engine's registries, sized for millions of entries.
//
// FlatIndex maps string keys to positions in a vector that holds the keys itself (persons, parties,
// items): 8 bytes a slot, open addressing with linear probing, a 32-bit hash tag per slot so that
// growing never needs the keys. DecidedIds records every command id already decided: the key is the
// first 16 bytes of SHA-256(id) (so no id can be crafted to collide with another's), with the entry's
// seq and the first 8 bytes of SHA-256 of the command's canonical body; 32 bytes a slot.
//
// Growing never stalls a command for the whole history: a table that needs more room gets one of
// twice the slots (fresh zero pages, not written), and each later insert moves the next few slots of
// the old table into it; lookups look in both until the old one is empty and freed. (Rehashing at
// once moved 1.5 million decided ids, 64 MB, in the command that crossed the threshold.)
//
// Invariants: load factor stays at or below 7/10; a slot is empty when its position (FlatIndex) or
// seq (DecidedIds) is 0. Every record is in `slots_`, or in `old_` at or after `moved_` (records of
// `old_` before `moved_` are in `slots_` too). DecidedIds may also hold a side table (inserts made
// while a snapshot's child shares the memory, SetLocalInserts): every record is in the large table
// or in the side table at or after `merge_at_`, or both. Neither structure's layout reaches the
// state hash: callers sort.
// Thread-safety: none; owned by the engine's thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "base/check.h"
#include "base/growing_table.h"
#include "base/sha256.h"

namespace twoline::engine {

using twoline::GrowingTable;
using twoline::ZeroedSlots;

struct FlatIndexSlot {
  uint32_t tag;
  uint32_t position_plus_one;  // 0: empty
};
struct FlatIndexTraits {
  static bool Used(const FlatIndexSlot& slot) { return slot.position_plus_one != 0; }
  static uint64_t Home(const FlatIndexSlot& slot) { return slot.tag; }
};

class FlatIndex {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  // `key_of(position)` returns the key stored at a position of the owning vector.
  template <typename KeyOf>
  uint32_t Find(std::string_view key, const KeyOf& key_of) const {
    uint32_t tag = Tag(key);
    const FlatIndexSlot* slot = table_.Find(tag, [&](const FlatIndexSlot& s) {
      return s.tag == tag && key_of(s.position_plus_one - 1) == key;
    });
    return slot == nullptr ? kAbsent : slot->position_plus_one - 1;
  }

  // Sizes an empty index for `count` keys, so that inserting them never grows it.
  void Reserve(size_t count) { table_.Reserve(count); }

  // Brings in the cache line where `key`'s probe starts, ahead of its Find or Insert.
  void Prefetch(std::string_view key) const { table_.Prefetch(Tag(key)); }

  // Inserts a key known to be absent.
  void Insert(std::string_view key, uint32_t position) {
    CHECK(position < kAbsent);
    table_.Insert(FlatIndexSlot{Tag(key), position + 1});
  }

  size_t size() const { return table_.size(); }

 private:
  static uint32_t Tag(std::string_view key) {
    uint64_t h = std::hash<std::string_view>{}(key);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

  GrowingTable<FlatIndexSlot, FlatIndexTraits> table_;
};

struct DecidedId {
  uint8_t id_digest[16];    // SHA-256(id) (or of "party:P\n" + id), first 16 bytes
  uint64_t seq = 0;         // journal seq of the entry that decided it; 0 = empty slot
  uint64_t body_digest = 0; // SHA-256(canonical command), first 8 bytes, little-endian
};

class DecidedIds {
 public:
  // Ids are scoped (SPEC §2): the zone's officers, admins and imports share the bare id; a
  // declarant's id is prefixed with its party, so that no principal can block another's ids.
  static void IdDigest(std::string_view scope, std::string_view id, uint8_t out[16]) {
    Hash256 hash;
    if (scope.empty()) {
      hash = Sha256(id);
    } else {
      std::string scoped = "party:";
      scoped.append(scope).push_back('\n');
      scoped.append(id);
      hash = Sha256(scoped);
    }
    std::memcpy(out, hash.data(), 16);
  }
  static uint64_t BodyDigest(std::string_view canonical) {
    Hash256 hash = Sha256(canonical);
    uint64_t out = 0;
    for (int i = 7; i >= 0; --i) out = out << 8 | hash[i];
    return out;
  }

  const DecidedId* Find(const uint8_t id_digest[16]) const {
    auto match = [&](const DecidedId& slot) { return std::memcmp(slot.id_digest, id_digest, 16) == 0; };
    if (const DecidedId* found = table_.Find(Traits::Start(id_digest), match)) return found;
    if (recent_.size() == 0) return nullptr;
    return recent_.Find(Traits::Start(id_digest), match);
  }

  void Insert(const DecidedId& record) {
    CHECK(record.seq != 0 && Find(record.id_digest) == nullptr);
    if (local_inserts_) {
      recent_.Insert(record);
      return;
    }
    table_.Insert(record);
    MergeSome(kMergedPerInsert);
  }
  void Prefetch(const uint8_t id_digest[16]) const { table_.Prefetch(Traits::Start(id_digest)); }

  // Local inserts. The table is large (32 bytes an id ever decided) and each insert writes a page
  // of it at random. While another process reads a copy-on-write image of this memory (a
  // snapshot's encoder, store/snapshotter.h), the first write to each page copies it and interrupts
  // the other core to flush its TLB: on 30 days of history nearly every page fault the writer took
  // under load was here. With `local` set, inserts go to a small side table instead; once it is
  // cleared, every later insert also merges a few of the side table's slots into the large one.
  // Setting it while a merge is under way finishes the merge first.
  void SetLocalInserts(bool local) {
    if (local && recent_.size() != 0) MergeSome(recent_.positions());
    local_inserts_ = local;
  }
  bool local_inserts() const { return local_inserts_; }
  // Ids held in the side table, merged or not (0 once a merge has ended).
  size_t side_table_size() const { return recent_.size(); }

  size_t size() const { return table_.size() + recent_.size() - merged_; }
  // Sizes an empty table for `count` records, so that inserting them never grows it. (Records
  // inserted in the order ForEach visits another table's slots arrive sorted by home slot; growing
  // while inserting them would pile them into long probe runs.)
  void Reserve(size_t count) {
    CHECK(recent_.size() == 0);
    table_.Reserve(count);
  }
  // Every record once, in no particular order (callers sort).
  template <typename Visit>
  void ForEach(const Visit& visit) const {
    table_.ForEach(visit);
    recent_.VisitSome(merge_at_, recent_.positions(), visit);  // those not merged yet
  }

 private:
  // Side-table slots looked at per insert while merging: a side table of 280,000 ids (7 s of
  // 40,000 commands a second) is merged within about 9,000 inserts.
  static constexpr size_t kMergedPerInsert = 64;

  struct Traits {
    static uint64_t Start(const uint8_t digest[16]) {
      uint64_t start;
      std::memcpy(&start, digest, 8);
      return start;
    }
    static bool Used(const DecidedId& slot) { return slot.seq != 0; }
    static uint64_t Home(const DecidedId& slot) { return Start(slot.id_digest); }
  };

  using Table = GrowingTable<DecidedId, Traits>;

  void MergeSome(size_t count) {
    if (local_inserts_ || recent_.size() == 0) return;
    merge_at_ = recent_.VisitSome(merge_at_, count, [&](const DecidedId& record) {
      table_.Insert(record);
      ++merged_;
    });
    if (merge_at_ == recent_.positions()) {
      recent_ = Table();
      merge_at_ = 0;
      merged_ = 0;
    }
  }

  Table table_;
  Table recent_;           // the side table: inserts while local_inserts_, then merged
  bool local_inserts_ = false;
  size_t merge_at_ = 0;    // recent_'s slot positions before this are merged into table_
  size_t merged_ = 0;      // records of recent_ merged into table_ (and so in both)
};

}  // namespace twoline::engine
