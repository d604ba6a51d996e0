// Compact indexes for the engine's registries, sized for millions of entries.
//
// FlatIndex maps string keys to positions in a vector that holds the keys itself (persons, parties,
// items): 8 bytes a slot, open addressing with linear probing, a 32-bit hash tag per slot so that
// growing never needs the keys. DecidedIds records every command id already decided: the key is the
// first 16 bytes of SHA-256(id) (so no id can be crafted to collide with another's), with the entry's
// seq and the first 8 bytes of SHA-256 of the command's canonical body; 32 bytes a slot.
//
// Invariants: load factor stays at or below 7/10; a slot is empty when its position (FlatIndex) or
// seq (DecidedIds) is 0. Neither structure's layout reaches the state hash: callers sort.
// Thread-safety: none; owned by the engine's thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

#include "base/check.h"
#include "base/sha256.h"

namespace twoline::engine {

class FlatIndex {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  // `key_of(position)` returns the key stored at a position of the owning vector.
  template <typename KeyOf>
  uint32_t Find(std::string_view key, const KeyOf& key_of) const {
    if (slots_.empty()) return kAbsent;
    uint32_t tag = Tag(key);
    size_t mask = slots_.size() - 1;
    for (size_t i = tag & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.position_plus_one == 0) return kAbsent;
      if (slot.tag == tag && key_of(slot.position_plus_one - 1) == key) {
        return slot.position_plus_one - 1;
      }
    }
  }

  // Inserts a key known to be absent.
  void Insert(std::string_view key, uint32_t position) {
    CHECK(position < kAbsent);
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    Place(Tag(key), position + 1);
    ++size_;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t position_plus_one = 0;
  };

  static uint32_t Tag(std::string_view key) {
    uint64_t h = std::hash<std::string_view>{}(key);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

  void Place(uint32_t tag, uint32_t position_plus_one) {
    size_t mask = slots_.size() - 1;
    size_t i = tag & mask;
    while (slots_[i].position_plus_one != 0) i = (i + 1) & mask;
    slots_[i] = Slot{tag, position_plus_one};
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    for (const Slot& slot : old) {
      if (slot.position_plus_one != 0) Place(slot.tag, slot.position_plus_one);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
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
    if (slots_.empty()) return nullptr;
    size_t mask = slots_.size() - 1;
    for (size_t i = Start(id_digest) & mask;; i = (i + 1) & mask) {
      if (slots_[i].seq == 0) return nullptr;
      if (std::memcmp(slots_[i].id_digest, id_digest, 16) == 0) return &slots_[i];
    }
  }

  void Insert(const DecidedId& record) {
    CHECK(record.seq != 0 && Find(record.id_digest) == nullptr);
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    Place(record);
    ++size_;
  }

  size_t size() const { return size_; }
  // Sizes an empty table for `count` records, so that inserting them never grows it. (Records
  // inserted in the order ForEach visits another table's slots arrive sorted by home slot; growing
  // while inserting them would pile them into long probe runs.)
  void Reserve(size_t count) {
    CHECK(size_ == 0);
    size_t slots = 16;
    while (count * 10 > slots * 7) slots *= 2;
    slots_.assign(slots, DecidedId{});
  }
  // Every record, in no particular order (callers sort).
  template <typename Visit>
  void ForEach(const Visit& visit) const {
    for (const DecidedId& slot : slots_) {
      if (slot.seq != 0) visit(slot);
    }
  }

 private:
  static size_t Start(const uint8_t digest[16]) {
    uint64_t start;
    std::memcpy(&start, digest, 8);
    return static_cast<size_t>(start);
  }
  void Place(const DecidedId& record) {
    size_t mask = slots_.size() - 1;
    size_t i = Start(record.id_digest) & mask;
    while (slots_[i].seq != 0) i = (i + 1) & mask;
    slots_[i] = record;
  }
  void Grow() {
    std::vector<DecidedId> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, DecidedId{});
    for (const DecidedId& slot : old) {
      if (slot.seq != 0) Place(slot);
    }
  }

  std::vector<DecidedId> slots_;
  size_t size_ = 0;
};

}  // namespace twoline::engine
