// Standard base64 (RFC 4648 §4, with '=' padding), as signed notes, verifier keys and checkpoints
// write hashes, keys and signatures.
//
// Decoding is strict: only the standard alphabet, padding exactly as the encoder writes it and no
// non-zero bits after the last byte, so every byte string has exactly one accepted encoding.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace twoline::proof {

std::string Base64Encode(std::string_view bytes);
// The decoded bytes, or nothing when `text` is not the canonical encoding of any byte string.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace twoline::proof
