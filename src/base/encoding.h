// Canonical binary encoding: numbered, length-prefixed fields.
//
// Each field is: tag (1 byte), length (4 bytes, little-endian), then `length` bytes. Integers are
// encoded as 8 bytes little-endian. The journal entry encoding and the state hash use this, never
// "whatever a JSON printer emits", so a hash changes only when the content does.
// Thread-safety: not shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace twoline {

class FieldEncoder {
 public:
  explicit FieldEncoder(std::string* out) : out_(out) {}
  void Bytes(uint8_t tag, std::string_view value) {
    out_->push_back(static_cast<char>(tag));
    AppendU32(static_cast<uint32_t>(value.size()));
    out_->append(value);
  }
  void U64(uint8_t tag, uint64_t value) {
    out_->push_back(static_cast<char>(tag));
    AppendU32(8);
    for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>(value >> (8 * i) & 0xff));
  }
  void I64(uint8_t tag, int64_t value) { U64(tag, static_cast<uint64_t>(value)); }

 private:
  void AppendU32(uint32_t value) {
    for (int i = 0; i < 4; ++i) out_->push_back(static_cast<char>(value >> (8 * i) & 0xff));
  }
  std::string* out_;
};

}  // namespace twoline
