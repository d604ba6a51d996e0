#include "proof/ed25519.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

namespace twoline::proof {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;

Error OpenSslError(const char* what) {
  char text[256] = "unknown error";
  unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return Error{std::string("Ed25519: ") + what + ": " + text};
}

Key PrivateKey(const Ed25519Seed& seed) {
  return Key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
}

}  // namespace

Result<Ed25519Seed> GenerateEd25519Seed() {
  Ed25519Seed seed;
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return OpenSslError("no random bytes for a new key");
  }
  return seed;
}

Result<Ed25519PublicKey> Ed25519PublicKeyOf(const Ed25519Seed& seed) {
  Key key = PrivateKey(seed);
  if (!key) return OpenSslError("cannot load the private key");
  Ed25519PublicKey public_key;
  size_t length = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &length) != 1 ||
      length != public_key.size()) {
    return OpenSslError("cannot derive the public key");
  }
  return public_key;
}

Result<Ed25519Signature> Ed25519Sign(const Ed25519Seed& seed, std::string_view message) {
  Key key = PrivateKey(seed);
  Context context(EVP_MD_CTX_new());
  if (!key || !context) return OpenSslError("cannot load the private key");
  Ed25519Signature signature;
  size_t length = signature.size();
  // Ed25519 hashes internally (PureEdDSA): no digest is named and the message is signed in one go.
  if (EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != signature.size()) {
    return OpenSslError("signing failed");
  }
  return signature;
}

bool Ed25519Verify(const Ed25519PublicKey& public_key, std::string_view message,
                   const Ed25519Signature& signature) {
  Key key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  Context context(EVP_MD_CTX_new());
  bool verified =
      key && context &&
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(context.get(), signature.data(), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  ERR_clear_error();
  return verified;
}

}  // namespace twoline::proof
