// SHA-256 digests (OpenSSL) and their lowercase hex form.
//
// Thread-safety: Sha256 objects are not shared; the free functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace twoline {

using Hash256 = std::array<uint8_t, 32>;

Hash256 Sha256(std::string_view data);
std::string ToHex(const Hash256& hash);
// The same digits into `out`, for a caller that appends them (no allocation).
void ToHex(const Hash256& hash, char (&out)[64]);
// Parses exactly 64 lowercase hex digits; false otherwise.
bool FromHex(std::string_view hex, Hash256* out);

// Incremental hashing for large inputs (the state hash).
class Sha256Builder {
 public:
  // Room for OpenSSL's SHA256_CTX (112 bytes; sha256.cc checks that it fits).
  struct alignas(8) Context {
    unsigned char bytes[128];
  };

  Sha256Builder();
  Sha256Builder(const Sha256Builder&) = delete;
  Sha256Builder& operator=(const Sha256Builder&) = delete;
  void Update(std::string_view data);
  Hash256 Finish();

 private:
  Context context_;  // a SHA256_CTX
};

}  // namespace twoline
