#include "base/sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "base/check.h"

namespace twoline {

namespace {

// OpenSSL 3 looks the algorithm up (under a lock) on every one-shot SHA256() call; fetching it once
// and reusing a per-thread context removes that cost from every journal entry.
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  CHECK(algorithm != nullptr);
  return algorithm;
}

struct ThreadContext {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~ThreadContext() { EVP_MD_CTX_free(context); }
};

}  // namespace

Hash256 Sha256(std::string_view data) {
  thread_local ThreadContext thread;
  Hash256 out;
  unsigned int length = 0;
  CHECK(EVP_DigestInit_ex2(thread.context, Sha256Algorithm(), nullptr) == 1);
  CHECK(EVP_DigestUpdate(thread.context, data.data(), data.size()) == 1);
  CHECK(EVP_DigestFinal_ex(thread.context, out.data(), &length) == 1);
  CHECK(length == 32);
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

Sha256Builder::Sha256Builder() : context_(EVP_MD_CTX_new()) {
  CHECK(context_ != nullptr);
  CHECK(EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(context_), Sha256Algorithm(), nullptr) == 1);
}

Sha256Builder::~Sha256Builder() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256Builder::Update(std::string_view data) {
  CHECK(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data.data(), data.size()) == 1);
}

Hash256 Sha256Builder::Finish() {
  Hash256 out;
  unsigned int length = 0;
  CHECK(EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), out.data(), &length) == 1);
  CHECK(length == 32);
  return out;
}

}  // namespace twoline
