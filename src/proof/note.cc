#include "proof/note.h"

#include <cstring>

#include "base/sha256.h"
#include "proof/base64.h"

namespace twoline::proof {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";

// Decodes one UTF-8 code point at `text[*i]`, advancing *i; -1 for an invalid sequence (overlong
// forms, surrogates and values above U+10FFFF included).
int32_t NextCodePoint(std::string_view text, size_t* i) {
  auto byte = [&](size_t at) { return static_cast<uint8_t>(text[at]); };
  uint8_t first = byte(*i);
  if (first < 0x80) {
    ++*i;
    return first;
  }
  int length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0;
  if (length == 0 || first > 0xF4 || *i + length > text.size()) return -1;
  int32_t code = first & (0x7F >> length);
  for (int k = 1; k < length; ++k) {
    uint8_t next = byte(*i + k);
    if ((next & 0xC0) != 0x80) return -1;
    code = code << 6 | (next & 0x3F);
  }
  static const int32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return -1;
  *i += static_cast<size_t>(length);
  return code;
}

bool IsUnicodeSpace(int32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Valid UTF-8 with no control character but '\n'.
Status CheckNoteBytes(std::string_view text, const char* what) {
  for (size_t i = 0; i < text.size();) {
    size_t at = i;
    int32_t c = NextCodePoint(text, &i);
    if (c < 0)
      return Error{std::string(what) + " is not valid UTF-8 (byte " + std::to_string(at) + ")"};
    if ((c < 0x20 && c != '\n') || c == 0x7F) {
      return Error{std::string(what) + " contains a control character (byte " + std::to_string(at) +
                   ")"};
    }
  }
  return Status::Ok();
}

std::string KeyIdHex(uint32_t key_id) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex(8, '0');
  for (int i = 0; i < 8; ++i) hex[i] = kDigits[key_id >> (28 - 4 * i) & 15];
  return hex;
}

bool ParseKeyIdHex(std::string_view hex, uint32_t* key_id) {
  if (hex.size() != 8) return false;
  uint32_t value = 0;
  for (char c : hex) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return false;
    value = value << 4 | static_cast<uint32_t>(digit);
  }
  *key_id = value;
  return true;
}

std::string TypedKey(const std::array<uint8_t, 32>& key) {
  std::string bytes(1, static_cast<char>(kEd25519SignatureType));
  bytes.append(reinterpret_cast<const char*>(key.data()), key.size());
  return Base64Encode(bytes);
}

// "<name>+<hex id>+<base64(0x01 || key)>": the fields of both key formats after any prefix.
struct KeyFields {
  std::string name;
  uint32_t key_id = 0;
  std::array<uint8_t, 32> key{};
};

Result<KeyFields> ParseKeyFields(std::string_view text, const char* what) {
  size_t first = text.find('+');
  size_t second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos) {
    return Error{std::string(what) + ": expected <name>+<key id>+<key>"};
  }
  KeyFields fields;
  fields.name = std::string(text.substr(0, first));
  if (Status s = ValidateKeyName(fields.name); !s)
    return Error{std::string(what) + ": " + s.message()};
  if (!ParseKeyIdHex(text.substr(first + 1, second - first - 1), &fields.key_id)) {
    return Error{std::string(what) + ": the key id is not 8 lowercase hex digits"};
  }
  auto key = Base64Decode(text.substr(second + 1));
  if (!key || key->size() != 33) {
    return Error{std::string(what) + ": the key is not base64 of 33 bytes"};
  }
  if (static_cast<uint8_t>((*key)[0]) != kEd25519SignatureType) {
    return Error{std::string(what) + ": not an Ed25519 key (algorithm byte " +
                 std::to_string(static_cast<uint8_t>((*key)[0])) + ")"};
  }
  std::memcpy(fields.key.data(), key->data() + 1, 32);
  return fields;
}

}  // namespace

Status ValidateKeyName(std::string_view name) {
  if (name.empty()) return Error{"the key name is empty"};
  for (size_t i = 0; i < name.size();) {
    int32_t c = NextCodePoint(name, &i);
    if (c < 0) return Error{"the key name is not valid UTF-8"};
    if (c == '+' || IsUnicodeSpace(c) || c < 0x20 || c == 0x7F) {
      return Error{"the key name \"" + std::string(name) +
                   "\" contains a space, '+' or a control character"};
    }
  }
  return Status::Ok();
}

uint32_t NoteKeyId(std::string_view name, const Ed25519PublicKey& public_key) {
  std::string bytes(name);
  bytes.push_back('\n');
  bytes.push_back(static_cast<char>(kEd25519SignatureType));
  bytes.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  Hash256 hash = Sha256(bytes);
  return uint32_t{hash[0]} << 24 | uint32_t{hash[1]} << 16 | uint32_t{hash[2]} << 8 | hash[3];
}

Result<NoteSigner> GenerateNoteSigner(std::string_view name) {
  if (Status s = ValidateKeyName(name); !s) return Error{s.message()};
  auto seed = GenerateEd25519Seed();
  if (!seed) return seed.error();
  auto public_key = Ed25519PublicKeyOf(*seed);
  if (!public_key) return public_key.error();
  return NoteSigner{std::string(name), NoteKeyId(name, *public_key), *seed, *public_key};
}

NoteVerifier VerifierOf(const NoteSigner& signer) {
  return NoteVerifier{signer.name, signer.key_id, signer.public_key};
}

std::string FormatSignerKey(const NoteSigner& signer) {
  return std::string(kPrivateKeyPrefix) + signer.name + "+" + KeyIdHex(signer.key_id) + "+" +
         TypedKey(signer.seed);
}

Result<NoteSigner> ParseSignerKey(std::string_view text) {
  if (text.substr(0, kPrivateKeyPrefix.size()) != kPrivateKeyPrefix) {
    return Error{"private key: does not start with PRIVATE+KEY+"};
  }
  auto fields = ParseKeyFields(text.substr(kPrivateKeyPrefix.size()), "private key");
  if (!fields) return fields.error();
  NoteSigner signer{fields->name, fields->key_id, fields->key, {}};
  auto public_key = Ed25519PublicKeyOf(signer.seed);
  if (!public_key) return public_key.error();
  signer.public_key = *public_key;
  if (NoteKeyId(signer.name, signer.public_key) != signer.key_id) {
    return Error{"private key: the key id " + KeyIdHex(signer.key_id) +
                 " does not belong to this name and key"};
  }
  return signer;
}

std::string FormatVerifierKey(const NoteVerifier& verifier) {
  return verifier.name + "+" + KeyIdHex(verifier.key_id) + "+" + TypedKey(verifier.public_key);
}

Result<NoteVerifier> ParseVerifierKey(std::string_view text) {
  if (text.substr(0, kPrivateKeyPrefix.size()) == kPrivateKeyPrefix) {
    return Error{"public key: this is a private key (PRIVATE+KEY+...), not a verifier key"};
  }
  auto fields = ParseKeyFields(text, "public key");
  if (!fields) return fields.error();
  NoteVerifier verifier{fields->name, fields->key_id, fields->key};
  if (NoteKeyId(verifier.name, verifier.public_key) != verifier.key_id) {
    return Error{"public key: the key id " + KeyIdHex(verifier.key_id) +
                 " does not belong to this name and key"};
  }
  return verifier;
}

Result<std::string> SignNote(std::string_view text, const NoteSigner& signer) {
  if (text.empty() || text.back() != '\n') return Error{"note text must end with a newline"};
  if (Status s = CheckNoteBytes(text, "note text"); !s) return Error{s.message()};
  auto signature = Ed25519Sign(signer.seed, text);
  if (!signature) return signature.error();
  std::string blob;
  for (int shift = 24; shift >= 0; shift -= 8)
    blob.push_back(static_cast<char>(signer.key_id >> shift & 0xff));
  blob.append(reinterpret_cast<const char*>(signature->data()), signature->size());
  std::string note(text);
  note += "\n";
  note += kSignaturePrefix;
  note += signer.name + " " + Base64Encode(blob) + "\n";
  return note;
}

Result<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifier> verifiers) {
  if (note.size() > kNoteBytesMax) return Error{"malformed note: larger than 1 MiB"};
  if (Status s = CheckNoteBytes(note, "malformed note: the note"); !s) return Error{s.message()};
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Error{"malformed note: no blank line between the text and the signatures"};
  }
  OpenedNote opened;
  opened.text = std::string(note.substr(0, split + 1));
  std::string_view signatures = note.substr(split + 2);
  if (signatures.empty() || signatures.back() != '\n') {
    return Error{"malformed note: the signature lines must end with a newline"};
  }
  std::vector<std::string> unknown;
  size_t count = 0;
  while (!signatures.empty()) {
    size_t end = signatures.find('\n');
    std::string_view line = signatures.substr(0, end);
    signatures.remove_prefix(end + 1);
    if (++count > kNoteSignaturesMax) return Error{"malformed note: more than 100 signatures"};
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return Error{"malformed note: a signature line does not start with \"— \""};
    }
    line.remove_prefix(kSignaturePrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos)
      return Error{"malformed note: a signature line lacks its signature"};
    std::string_view name = line.substr(0, space);
    if (Status s = ValidateKeyName(name); !s) return Error{"malformed note: " + s.message()};
    auto blob = Base64Decode(line.substr(space + 1));
    if (!blob || blob->size() < 5) {
      return Error{"malformed note: the signature by " + std::string(name) +
                   " is not base64 of a key id and a signature"};
    }
    uint32_t key_id = 0;
    for (int i = 0; i < 4; ++i) key_id = key_id << 8 | static_cast<uint8_t>((*blob)[i]);
    const NoteVerifier* verifier = nullptr;
    for (const NoteVerifier& known : verifiers) {
      if (known.name == name && known.key_id == key_id) verifier = &known;
    }
    if (verifier == nullptr) {
      unknown.push_back(std::string(name) + "+" + KeyIdHex(key_id));
      continue;
    }
    Ed25519Signature signature;
    if (blob->size() != 4 + signature.size()) {
      return Error{"wrong signature: the signature by key " + std::string(name) + " is " +
                   std::to_string(blob->size() - 4) + " bytes, not 64"};
    }
    std::memcpy(signature.data(), blob->data() + 4, signature.size());
    if (!Ed25519Verify(verifier->public_key, opened.text, signature)) {
      return Error{"wrong signature: the signature by key " + std::string(name) +
                   " does not verify (the note was altered after signing)"};
    }
    opened.verified_by.push_back(std::string(name));
  }
  if (opened.verified_by.empty()) {
    std::string known;
    for (const NoteVerifier& verifier : verifiers) {
      known += (known.empty() ? "" : ", ") + verifier.name + "+" + KeyIdHex(verifier.key_id);
    }
    std::string signers;
    for (const std::string& key : unknown) signers += (signers.empty() ? "" : ", ") + key;
    return Error{"unknown key: the note is not signed by a known key (signed by " + signers +
                 "; known: " + (known.empty() ? "none" : known) + ")"};
  }
  return opened;
}

}  // namespace twoline::proof
