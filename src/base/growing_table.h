// An open-addressing table over zero pages that grows without stalling (the engine's indexes,
// engine/flat_index.h, and the ledger's invariant sweep use it).
//
// ZeroedSlots is a fixed-size array of trivially copyable slots taken from the kernel as zero
// pages. GrowingTable probes linearly in a power-of-two number of them; a table that needs more
// room gets one of twice the slots, and each later insert moves the next few slots of the old table
// into it, lookups looking in both until the old one is empty and freed. Load factor stays at or
// below 7/10; `Traits` says where a slot's home is and whether it is used (an all-zero slot is not).
// Thread-safety: none.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "base/check.h"
#include "base/pages.h"

namespace twoline {

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

  // Slot positions, for a caller that walks the table a few at a time (VisitSome): the current
  // array's, then an old one's while a growth is under way.
  size_t positions() const { return slots_.size() + old_.size(); }
  // Visits the used slots at positions [from, from + count) (fewer at the end) and returns the
  // position after the last one looked at. Slots of an old array already moved are skipped (they
  // are in the current one too). The table must not change between the calls of one walk.
  template <typename Visit>
  size_t VisitSome(size_t from, size_t count, const Visit& visit) const {
    const size_t end = from + std::min(count, positions() - std::min(from, positions()));
    for (size_t i = from; i < end; ++i) {
      if (i < slots_.size()) {
        if (Traits::Used(slots_[i])) visit(slots_[i]);
      } else if (i - slots_.size() >= moved_ && Traits::Used(old_[i - slots_.size()])) {
        visit(old_[i - slots_.size()]);
      }
    }
    return end;
  }

  // Every used slot once, in no particular order.
  template <typename Visit>
  void ForEach(const Visit& visit) const {
    VisitSome(0, positions(), visit);
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

}  // namespace twoline
