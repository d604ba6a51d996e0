// Canonical binary encoding: numbered, length-prefixed fields.
//
// Each field is: tag (1 byte), length (4 bytes, little-endian), then `length` bytes. Integers are
// encoded as 8 bytes little-endian. The journal entry encoding and the state hash use this, never
// "whatever a JSON printer emits", so a hash changes only when the content does.
// Thread-safety: not shared.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace twoline {

class FieldEncoder {
 public:
  explicit FieldEncoder(std::string* out) : out_(out) {}
  void Bytes(uint8_t tag, std::string_view value) {
    char head[5];
    head[0] = static_cast<char>(tag);
    Put(head + 1, static_cast<uint32_t>(value.size()), 4);
    out_->append(head, sizeof head);
    out_->append(value);
  }
  void U64(uint8_t tag, uint64_t value) {
    char field[13];  // appended whole: one capacity check, not thirteen
    field[0] = static_cast<char>(tag);
    Put(field + 1, 8, 4);
    Put(field + 5, value, 8);
    out_->append(field, sizeof field);
  }
  void I64(uint8_t tag, int64_t value) { U64(tag, static_cast<uint64_t>(value)); }

 private:
  static void Put(char* at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) at[i] = static_cast<char>(value >> (8 * i) & 0xff);
  }
  std::string* out_;
};

// Called by an encoder of many records between two of them, with what it has written so far: it may
// take those bytes (hash them, hand them to another thread) and leave `out` empty, so that a large
// encoding (a whole state: hundreds of megabytes after months) streams instead of being held whole.
using Spill = std::function<void(std::string* out)>;

}  // namespace twoline
