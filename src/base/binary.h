// Binary writer and reader for snapshots: fixed-width little-endian integers and length-prefixed
// byte strings, with a reader that never reads past its input.
//
// The reader is sticky: after the first fault (input too short, a length beyond the input, a count
// beyond its bound) every later read returns zero values and ok() stays false, so a decoder can read
// a whole record and check once. It is also strict, so that a decoder built on it accepts exactly
// one encoding of each value: a bool is 0 or 1, a narrowed integer fits its type, an absent optional
// has a zero value, a map's keys come in increasing order. The engine's state hash is the SHA-256 of
// this encoding (engine/snapshot.cc), which holds only because of that.
// Thread-safety: not shared.
#pragma once

#include <cstdint>
#include <climits>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace twoline {

class BinaryWriter {
 public:
  explicit BinaryWriter(std::string* out) : out_(out) {}
  void U8(uint8_t value) { out_->push_back(static_cast<char>(value)); }
  void U32(uint32_t value) { Fixed(value, 4); }
  void U64(uint64_t value) { Fixed(value, 8); }
  void I64(int64_t value) { Fixed(static_cast<uint64_t>(value), 8); }
  void Bool(bool value) { U8(value ? 1 : 0); }
  void Bytes(std::string_view value) {
    U64(value.size());
    out_->append(value);
  }
  void Raw(const void* data, size_t size) { out_->append(static_cast<const char*>(data), size); }
  // Overwrites the u64 written at byte `at` (a length known only once what it measures is written).
  void PatchU64(size_t at, uint64_t value) {
    for (int i = 0; i < 8; ++i) (*out_)[at + static_cast<size_t>(i)] = static_cast<char>(value >> (8 * i) & 0xff);
  }
  size_t size() const { return out_->size(); }
  std::string* out() { return out_; }

 private:
  void Fixed(uint64_t value, int bytes) {
    char buffer[8];
    for (int i = 0; i < bytes; ++i) buffer[i] = static_cast<char>(value >> (8 * i) & 0xff);
    out_->append(buffer, static_cast<size_t>(bytes));
  }
  std::string* out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}
  uint8_t U8() { return static_cast<uint8_t>(Fixed(1)); }
  uint32_t U32() { return static_cast<uint32_t>(Fixed(4)); }
  uint64_t U64() { return Fixed(8); }
  int64_t I64() { return static_cast<int64_t>(Fixed(8)); }
  bool Bool() {
    uint8_t value = U8();
    if (value > 1) ok_ = false;
    return value == 1;
  }
  // An I64 that must fit in 32 bits (dates, counters kept narrower in memory).
  int32_t I64AsI32() {
    int64_t value = I64();
    if (value < INT32_MIN || value > INT32_MAX) {
      ok_ = false;
      return 0;
    }
    return static_cast<int32_t>(value);
  }
  // An optional saved as a bool and an I64 (zero when absent), the value fitting in 32 bits.
  std::optional<int32_t> OptionalI32() {
    bool present = Bool();
    int32_t value = I64AsI32();
    if (!present && value != 0) ok_ = false;
    if (!present) return std::nullopt;
    return value;
  }
  std::string Bytes() { return std::string(View()); }
  std::string_view View() {
    uint64_t size = U64();
    return Take(size);
  }
  // The next `size` bytes, unread (a section that another reader decodes).
  std::string_view Take(size_t size) {
    if (!ok_ || size > in_.size() - position_) {
      ok_ = false;
      return {};
    }
    std::string_view out = in_.substr(position_, size);
    position_ += size;
    return out;
  }
  bool Raw(void* data, size_t size) {
    if (!ok_ || size > in_.size() - position_) {
      ok_ = false;
      std::memset(data, 0, size);
      return false;
    }
    std::memcpy(data, in_.data() + position_, size);
    position_ += size;
    return true;
  }
  // A count of records that follow, each at least `min_record_bytes` long: refuses counts that the
  // remaining input could not hold (so a corrupt count cannot make the decoder allocate without bound).
  uint64_t Count(size_t min_record_bytes) {
    uint64_t count = U64();
    if (ok_ && min_record_bytes > 0 && count > (in_.size() - position_) / min_record_bytes) {
      ok_ = false;
      return 0;
    }
    return ok_ ? count : 0;
  }
  void Fail() { ok_ = false; }
  bool ok() const { return ok_; }
  bool at_end() const { return position_ == in_.size(); }
  size_t position() const { return position_; }

 private:
  uint64_t Fixed(int bytes) {
    if (!ok_ || static_cast<size_t>(bytes) > in_.size() - position_) {
      ok_ = false;
      return 0;
    }
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) {
      value = value << 8 | static_cast<uint8_t>(in_[position_ + static_cast<size_t>(i)]);
    }
    position_ += static_cast<size_t>(bytes);
    return value;
  }
  std::string_view in_;
  size_t position_ = 0;
  bool ok_ = true;
};

// Inserts a loaded entry into a map that was saved in key order: at the end, in constant time. A key
// not greater than the one before fails the reader (a saved map's keys are increasing).
template <typename Map, typename Key, typename Value>
void InsertLoaded(BinaryReader& in, Map* map, Key&& key, Value&& value) {
  if (!map->empty() && !map->key_comp()(map->rbegin()->first, key)) {
    in.Fail();
    return;
  }
  map->emplace_hint(map->end(), std::forward<Key>(key), std::forward<Value>(value));
}

}  // namespace twoline
