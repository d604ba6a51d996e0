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
// `old_` before `moved_` are in `slots_` too). Neither structure's layout reaches the state hash:
// callers sort.
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
#include "base/pages.h"
#include "base/sha256.h"

namespace twoline::engine {

// A fixed-size array of trivially copyable slots whose all-zero value means empty, taken from the
// kernel as zero pages: a large table costs its page faults only as slots are written.
template <typename Slot>
class ZeroedSlots {
  static_assert(std::is_trivially_copyable_v<Slot>);

 public:
  ZeroedSlots() = default;
  explicit ZeroedSlots(size_t count) : count_(count) {
    if (count == 0) return;
    void* map = MapZeroPages(Bytes(), /*reserve_only=*/false);
    if (map == nullptr) throw std::bad_alloc();
    slots_ = static_cast<Slot*>(map);
  }
  ZeroedSlots(const ZeroedSlots& other) : ZeroedSlots(other.count_) {
    if (count_ != 0) std::memcpy(slots_, other.slots_, count_ * sizeof(Slot));
  }
  ZeroedSlots(ZeroedSlots&& other) noexcept { Swap(other); }
  ZeroedSlots& operator=(ZeroedSlots other) noexcept {
    Swap(other);
    return *this;
  }
  ~ZeroedSlots() { UnmapPages(slots_, Bytes()); }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Slot& operator[](size_t i) { return slots_[i]; }
  const Slot& operator[](size_t i) const { return slots_[i]; }

 private:
  size_t Bytes() const { return count_ * sizeof(Slot); }
  void Swap(ZeroedSlots& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(count_, other.count_);
  }
  Slot* slots_ = nullptr;
  size_t count_ = 0;
};

// The open-addressing table both indexes share: linear probing, a power-of-two number of slots,
// growth moved a few slots per insert. `Traits` says where a slot's home is and whether it is used.
template <typename Slot, typename Traits>
class GrowingTable {
 public:
  // Slots of the old table moved into the new one per insert: growth starts at 7/10 of S slots and
  // the next at 7/10 of 2S, so 0.7·S inserts move S slots with room to spare.
  static constexpr size_t kMovedPerInsert = 8;

  // The first slot for which `match` holds, among the used slots probed from `home`; nullptr if none.
  template <typename Match>
  const Slot* Find(uint64_t home, const Match& match) const {
    if (const Slot* slot = FindIn(slots_, home, match)) return slot;
    if (old_.empty()) return nullptr;
    return FindIn(old_, home, match);
  }

  // Asks the processor to bring the cache line of `home`'s first slot in, ahead of a Find or Insert
  // there: a loop that prefetches a few keys ahead of the one it inserts overlaps their misses.
  void Prefetch(uint64_t home) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home & (slots_.size() - 1)], 1);
  }

  // Places a slot whose key is known to be absent.
  void Insert(const Slot& slot) {
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow(slots_.empty() ? 16 : slots_.size() * 2);
    Place(slots_, slot);
    ++size_;
    MoveSome(kMovedPerInsert);
  }

  // Sizes an empty table for `count` slots, so that inserting them never grows it.
  void Reserve(size_t count) {
    CHECK(size_ == 0);
    size_t slots = 16;
    while (count * 10 > slots * 7) slots *= 2;
    old_ = ZeroedSlots<Slot>();
    moved_ = 0;
    slots_ = ZeroedSlots<Slot>(slots);
  }

  size_t size() const { return size_; }

  // Every used slot once, in no particular order.
  template <typename Visit>
  void ForEach(const Visit& visit) const {
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (Traits::Used(slots_[i])) visit(slots_[i]);
    }
    for (size_t i = moved_; i < old_.size(); ++i) {
      if (Traits::Used(old_[i])) visit(old_[i]);
    }
  }

 private:
  template <typename Match>
  static const Slot* FindIn(const ZeroedSlots<Slot>& table, uint64_t home, const Match& match) {
    if (table.empty()) return nullptr;
    size_t mask = table.size() - 1;
    for (size_t i = home & mask;; i = (i + 1) & mask) {
      const Slot& slot = table[i];
      if (!Traits::Used(slot)) return nullptr;
      if (match(slot)) return &slot;
    }
  }

  static void Place(ZeroedSlots<Slot>& table, const Slot& slot) {
    size_t mask = table.size() - 1;
    size_t i = Traits::Home(slot) & mask;
    while (Traits::Used(table[i])) i = (i + 1) & mask;
    table[i] = slot;
  }

  void Grow(size_t slots) {
    MoveSome(old_.size());  // a growth still under way ends first
    old_ = std::move(slots_);
    moved_ = 0;
    slots_ = ZeroedSlots<Slot>(slots);
    MoveSome(kMovedPerInsert);
  }

  void MoveSome(size_t count) {
    if (old_.empty()) return;
    size_t end = std::min(old_.size(), moved_ + count);
    for (; moved_ < end; ++moved_) {
      if (Traits::Used(old_[moved_])) Place(slots_, old_[moved_]);
    }
    if (moved_ == old_.size()) {
      old_ = ZeroedSlots<Slot>();
      moved_ = 0;
    }
  }

  ZeroedSlots<Slot> slots_;
  ZeroedSlots<Slot> old_;  // being moved into slots_; empty when no growth is under way
  size_t moved_ = 0;       // slots of old_ already moved
  size_t size_ = 0;
};

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
    return table_.Find(Traits::Start(id_digest), [&](const DecidedId& slot) {
      return std::memcmp(slot.id_digest, id_digest, 16) == 0;
    });
  }

  void Insert(const DecidedId& record) {
    CHECK(record.seq != 0 && Find(record.id_digest) == nullptr);
    table_.Insert(record);
  }
  void Prefetch(const uint8_t id_digest[16]) const { table_.Prefetch(Traits::Start(id_digest)); }

  size_t size() const { return table_.size(); }
  // Sizes an empty table for `count` records, so that inserting them never grows it. (Records
  // inserted in the order ForEach visits another table's slots arrive sorted by home slot; growing
  // while inserting them would pile them into long probe runs.)
  void Reserve(size_t count) { table_.Reserve(count); }
  // Every record, in no particular order (callers sort).
  template <typename Visit>
  void ForEach(const Visit& visit) const {
    table_.ForEach(visit);
  }

 private:
  struct Traits {
    static uint64_t Start(const uint8_t digest[16]) {
      uint64_t start;
      std::memcpy(&start, digest, 8);
      return start;
    }
    static bool Used(const DecidedId& slot) { return slot.seq != 0; }
    static uint64_t Home(const DecidedId& slot) { return Start(slot.id_digest); }
  };

  GrowingTable<DecidedId, Traits> table_;
};

}  // namespace twoline::engine
