#include "base/sha256.h"

// SHA-256 through OpenSSL's low-level interface (SHA256_Init/Update/Final), deprecated in OpenSSL 3
// but kept by it: the same assembly (SHA-NI where the CPU has it), without the EVP layer. EVP's
// DigestInit allocates and frees a provider context for every digest (one malloc, one free and a
// cleanse per call); a journal entry takes five digests (chain, leaf, body, id, tree node), and
// that overhead was 30 ns of each: 90 against 61 ns for 40 bytes, 418 against 387 ns for 530
// (a probe, 10^6 digests each). perf of `run --journal` put EVP_DigestFinal_ex and the
// allocations under it at about a fifth of the deciding thread's SHA-256 time.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <new>

#include "base/check.h"

namespace twoline {

Hash256 Sha256(std::string_view data) {
  Hash256 out;
  SHA256_CTX context;
  CHECK(SHA256_Init(&context) == 1);
  CHECK(SHA256_Update(&context, data.data(), data.size()) == 1);
  CHECK(SHA256_Final(out.data(), &context) == 1);
  return out;
}

void ToHex(const Hash256& hash, char (&out)[64]) {
  static const char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 15];
  }
}

std::string ToHex(const Hash256& hash) {
  char digits[64];
  ToHex(hash, digits);
  return std::string(digits, sizeof digits);
}

bool FromHex(std::string_view hex, Hash256* out) {
  // A table instead of branches: every journal entry carries two hashes to parse.
  static const auto kNibble = [] {
    std::array<int8_t, 256> table;
    table.fill(-1);
    for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<int8_t>(i);
    for (int i = 0; i < 6; ++i) table['a' + i] = static_cast<int8_t>(10 + i);
    return table;
  }();
  if (hex.size() != 64) return false;
  int bad = 0;
  for (size_t i = 0; i < 32; ++i) {
    int hi = kNibble[static_cast<uint8_t>(hex[2 * i])];
    int lo = kNibble[static_cast<uint8_t>(hex[2 * i + 1])];
    bad |= hi | lo;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return bad >= 0;
}

static_assert(sizeof(SHA256_CTX) <= sizeof(Sha256Builder::Context));
static_assert(alignof(SHA256_CTX) <= alignof(Sha256Builder::Context));

namespace {

// The SHA256_CTX that Sha256Builder's constructor placed in `context`.
SHA256_CTX* ContextOf(Sha256Builder::Context& context) {
  return std::launder(reinterpret_cast<SHA256_CTX*>(&context));
}

}  // namespace

Sha256Builder::Sha256Builder() { CHECK(SHA256_Init(new (&context_) SHA256_CTX) == 1); }

void Sha256Builder::Update(std::string_view data) {
  CHECK(SHA256_Update(ContextOf(context_), data.data(), data.size()) == 1);
}

Hash256 Sha256Builder::Finish() {
  Hash256 out;
  CHECK(SHA256_Final(out.data(), ContextOf(context_)) == 1);
  return out;
}

}  // namespace twoline
