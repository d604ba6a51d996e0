// Ed25519 (RFC 8032) key generation, signing and verification through OpenSSL's EVP interface,
// for signed checkpoints.
//
// The private key is the 32-byte seed of RFC 8032 §5.1.5; signatures are deterministic, so the
// same key and message always give the same 64 bytes.
// Thread-safety: pure functions (each call owns its OpenSSL objects).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace twoline::proof {

using Ed25519Seed = std::array<uint8_t, 32>;
using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Signature = std::array<uint8_t, 64>;

// A fresh private key from OpenSSL's random generator.
Result<Ed25519Seed> GenerateEd25519Seed();
Result<Ed25519PublicKey> Ed25519PublicKeyOf(const Ed25519Seed& seed);
Result<Ed25519Signature> Ed25519Sign(const Ed25519Seed& seed, std::string_view message);
// False for a wrong signature, a different message, or a public key that is not a curve point.
bool Ed25519Verify(const Ed25519PublicKey& public_key, std::string_view message,
                   const Ed25519Signature& signature);

}  // namespace twoline::proof
