// Journal entries: their canonical binary encoding (what is hashed) and their JSON Lines form
// (what the journal file and the database store).
//
// Canonical encoding, version 1 (hashed with SHA-256; the hash chains to the previous entry because
// the previous hash is field 2):
//
//   offset  size  content
//   0       1     version = 0x01
//   then numbered fields, each: tag (1 byte) | length (u32 little-endian) | bytes
//     tag 1  seq            u64 little-endian (8 bytes); the first entry has seq 1
//     tag 2  prev           32 bytes: hash of entry seq-1 (32 zero bytes for seq 1)
//     tag 3  kind           u64: 1 = profile put in force, 2 = command decided
//     tag 4  zone           UTF-8 zone id
//     profile entries:
//     tag 5  profile        the profile's TOML text, byte for byte
//     tag 6  tariff         the tariff CSV text the profile names (may be empty)
//     command entries:
//     tag 7  command        canonical JSON of the command (keys sorted, no whitespace)
//     tag 8  decision       canonical JSON of the decision, without seq and hash
//
// JSON Lines form (one line per entry, '\n'-terminated, no other whitespace), keys in this order:
//   {"seq":N,"kind":"command","zone":Z,"prev":HEX,"command":{..},"decision":{..},"hash":HEX}
//   {"seq":N,"kind":"profile","zone":Z,"prev":HEX,"profile_sha256":HEX,"profile":"..","tariff":"..","hash":HEX}
// A line is accepted only when re-serialising its parsed content gives back the same bytes, so
// that any change to any byte of a journal file is detected. docs/journal.md has the field table.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/sha256.h"

namespace twoline::journal {

inline constexpr uint8_t kEntryVersion = 1;

enum class EntryKind : uint8_t { kProfile = 1, kCommand = 2 };

struct Entry {
  uint64_t seq = 0;
  Hash256 prev{};
  EntryKind kind = EntryKind::kCommand;
  std::string zone;
  std::string profile_text;  // kProfile
  std::string tariff_text;   // kProfile
  std::string command;       // kCommand: canonical JSON
  std::string decision;      // kCommand: canonical JSON, no seq/hash
  Hash256 hash{};
};

std::string EncodeEntry(const Entry& entry);
Hash256 ComputeEntryHash(const Entry& entry);

// The JSON line (with trailing '\n').
std::string EntryToJsonLine(const Entry& entry);
// Parses a line (without its '\n') and checks that it is in canonical form. Does not check the hash.
Result<Entry> EntryFromJsonLine(std::string_view line);

// The parts of a command entry's line in canonical framing
// {"seq":N,"kind":"command","zone":"Z","prev":"HEX","command":C,"decision":D,"hash":"HEX"}, read from
// their places (views into `line`). False when the line is not framed so (a profile entry, or a
// malformed line). The framing is checked byte for byte; C and D are not parsed, and nothing is
// trusted until a replay checks them (below).
struct CommandLineParts {
  uint64_t seq = 0;
  std::string_view zone;
  Hash256 prev{};
  std::string_view command;
  std::string_view decision;
  Hash256 hash{};
};
bool SliceCommandLine(std::string_view line, CommandLineParts* parts);

// For replay only: the entry of a line, with a command entry's fields taken from their places in the
// canonical framing {"seq":N,"kind":"command","zone":"Z","prev":"HEX","command":C,"decision":D,
// "hash":"HEX"} without parsing C and D (a profile entry, or a line not framed so, goes through
// EntryFromJsonLine). The framing is checked byte for byte here; C and D are checked by
// Chain::Replay, which requires C to be the canonical form of the command it parses, D to be the
// canonical form of the decision it makes again, and the entry's hash over all of it to match. So a
// line accepted by a replay through this function is exactly the line EntryToJsonLine would write.
Result<Entry> EntryForReplay(std::string_view line);

}  // namespace twoline::journal
