// Signed notes (C2SP signed-note, https://c2sp.org/signed-note) with Ed25519 keys, and the two key
// formats that go with them.
//
// A note is UTF-8 text ending in '\n', a blank line, then one line per signature:
//
//   <text, ending in '\n'>
//   '\n'
//   "— " <key name> " " base64(key id (4 bytes, big-endian) || Ed25519 signature (64 bytes)) '\n'
//
// where "—" is U+2014 (bytes E2 80 94) and the signature is over the text bytes exactly (with its
// final '\n', without the blank line). No control characters other than '\n' anywhere.
//
//   key id        = first 4 bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte public key)
//   verifier key  = <name> "+" <key id, 8 lowercase hex digits> "+" base64(0x01 || public key)
//   signer key    = "PRIVATE+KEY+" <name> "+" <key id hex> "+" base64(0x01 || 32-byte seed)
//
// (the formats of Go's golang.org/x/mod/sumdb/note, so either side can be checked with other
// tools). Key names are non-empty and contain no whitespace and no '+'.
//
// Opening a note follows the specification: signatures by unknown keys (name and id not both
// matching a verifier) are ignored; a signature by a known key that does not verify rejects the
// note; a note with no verified signature by a known key is rejected.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proof/ed25519.h"

namespace twoline::proof {

inline constexpr uint8_t kEd25519SignatureType = 0x01;
// Limits on what OpenNote reads (the specification asks for at least 16 signatures).
inline constexpr size_t kNoteBytesMax = 1 << 20;
inline constexpr size_t kNoteSignaturesMax = 100;

struct NoteVerifier {
  std::string name;
  uint32_t key_id = 0;
  Ed25519PublicKey public_key{};
};

struct NoteSigner {
  std::string name;
  uint32_t key_id = 0;
  Ed25519Seed seed{};
  Ed25519PublicKey public_key{};
};

// Ok when `name` can name a key (non-empty UTF-8, no spaces, no '+', no control characters).
Status ValidateKeyName(std::string_view name);
uint32_t NoteKeyId(std::string_view name, const Ed25519PublicKey& public_key);

Result<NoteSigner> GenerateNoteSigner(std::string_view name);
NoteVerifier VerifierOf(const NoteSigner& signer);

std::string FormatSignerKey(const NoteSigner& signer);
// Checks the format, the algorithm byte and that the key id matches the key.
Result<NoteSigner> ParseSignerKey(std::string_view text);
std::string FormatVerifierKey(const NoteVerifier& verifier);
Result<NoteVerifier> ParseVerifierKey(std::string_view text);

// The note: `text` (which must end in '\n' and be valid note text), a blank line, one signature.
Result<std::string> SignNote(std::string_view text, const NoteSigner& signer);

struct OpenedNote {
  std::string text;                      // the signed text, with its final '\n'
  std::vector<std::string> verified_by;  // names of the known keys whose signatures verified
};
// Verifies `note` against the known keys; the error says whether the note is malformed, a known
// key's signature fails, or no known key signed it (naming the keys that did).
Result<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers);

}  // namespace twoline::proof
