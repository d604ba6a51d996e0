#include "proof/checkpoint.h"

#include <cstring>

#include "proof/base64.h"

namespace twoline::proof {

std::string DefaultOrigin(std::string_view zone) { return "twoline/" + std::string(zone); }

Status ValidateOrigin(std::string_view origin) {
  // The same rule as key names: the origin usually is the signing key's name.
  if (Status s = ValidateKeyName(origin); !s) {
    return Error{"origin \"" + std::string(origin) +
                 "\" is empty or contains a space, '+' or a control character"};
  }
  return Status::Ok();
}

std::string FormatCheckpointText(const Checkpoint& checkpoint) {
  std::string text =
      checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
      Base64Encode(std::string_view(reinterpret_cast<const char*>(checkpoint.root.data()), 32)) +
      "\n";
  for (const std::string& line : checkpoint.extensions) text += line + "\n";
  return text;
}

Result<Checkpoint> ParseCheckpointText(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos)
      return Error{"malformed checkpoint: the last line lacks its newline"};
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  if (lines.size() < 3)
    return Error{"malformed checkpoint: fewer than three lines (origin, size, root hash)"};
  Checkpoint checkpoint;
  if (lines[0].empty()) return Error{"malformed checkpoint: the origin line is empty"};
  checkpoint.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  if (size.empty() || size.size() > 20 || (size.size() > 1 && size[0] == '0')) {
    return Error{"malformed checkpoint: the tree size \"" + std::string(size) +
                 "\" is not a decimal number without leading zeros"};
  }
  uint64_t value = 0;
  for (char c : size) {
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (c < '0' || c > '9' || value > (UINT64_MAX - digit) / 10) {
      return Error{"malformed checkpoint: the tree size \"" + std::string(size) +
                   "\" is not a 64-bit decimal number"};
    }
    value = value * 10 + digit;
  }
  checkpoint.size = value;
  auto root = Base64Decode(lines[2]);
  if (!root || root->size() != 32) {
    return Error{"malformed checkpoint: the root hash line is not base64 of 32 bytes"};
  }
  std::memcpy(checkpoint.root.data(), root->data(), 32);
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return Error{"malformed checkpoint: an empty extension line"};
    checkpoint.extensions.push_back(std::string(lines[i]));
  }
  return checkpoint;
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer) {
  if (Status s = ValidateOrigin(checkpoint.origin); !s) return Error{s.message()};
  return SignNote(FormatCheckpointText(checkpoint), signer);
}

Result<OpenedCheckpoint> OpenCheckpoint(std::string_view note,
                                        std::span<const NoteVerifier> verifiers,
                                        std::string_view expected_origin) {
  auto opened = OpenNote(note, verifiers);
  if (!opened) return opened.error();
  auto checkpoint = ParseCheckpointText(opened->text);
  if (!checkpoint) return checkpoint.error();
  if (!expected_origin.empty() && checkpoint->origin != expected_origin) {
    return Error{"wrong origin: the checkpoint is for \"" + checkpoint->origin + "\", expected \"" +
                 std::string(expected_origin) + "\""};
  }
  return OpenedCheckpoint{std::move(*checkpoint), std::move(opened->verified_by)};
}

}  // namespace twoline::proof
