// Profile loading and validation: TOML text (docs/profiles.md) plus a tariff CSV to a Profile.
//
// The loader reports every problem it finds, not just the first, each as "file:line: what is
// wrong" with the 1-based line of the offending key or value, so that `twoline check-profile`
// lets an author fix a file in one pass. A profile with any problem is refused as a whole: a zone
// never runs on a partly understood policy. On success the Profile's invariants (profile.h) hold
// and it carries the exact texts it was built from (source_text, tariff_text) and the SHA-256 of
// the TOML text, so that a journal can replay it from its texts alone.
// Thread-safety: the functions share no state; LoadBuiltinProfile reads $TWOLINE_ZONES.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/profile.h"

namespace twoline::policy {

// Limits on input sizes: the largest built-in profile is a few kilobytes and the full Chinese
// tariff schedule well under a megabyte.
inline constexpr size_t kProfileTextBytesMax = 4 << 20;
inline constexpr size_t kTariffTextBytesMax = 16 << 20;
// The most lists a profile declares (list memberships are bits of a 64-bit mask).
inline constexpr size_t kListsMax = 64;

// All problems found, each "file:line: what is wrong", ordered by file and line.
struct ProfileErrors {
  std::vector<std::string> messages;
};

// Parses and validates a profile from its TOML text and the tariff CSV text (empty when the
// profile names no goods.tariff_file). `file_name` is used in messages; the tariff's messages name
// goods.tariff_file resolved against file_name's directory. On failure the Error's message is all
// messages joined by "\n", and `errors` (optional) receives them one by one.
Result<Profile> LoadProfileText(std::string_view toml_text, std::string_view tariff_csv_text,
                                std::string_view file_name, ProfileErrors* errors);

// Reads the file at `path`, resolves goods.tariff_file relative to its directory, reads that too,
// and calls LoadProfileText.
Result<Profile> LoadProfileFile(const std::string& path, ProfileErrors* errors);

// The built-in zones directory: $TWOLINE_ZONES if set and non-empty, else the compile definition
// TWOLINE_ZONES_DIR.
std::string BuiltinZonesDir();

// Loads <BuiltinZonesDir()>/<zone_id>.toml and checks that the profile's id is zone_id.
Result<Profile> LoadBuiltinProfile(std::string_view zone_id);

// hengqin, hetao-sz, hetao-hk, qianhai, nansha (in this order).
std::vector<std::string> BuiltinZoneIds();

}  // namespace twoline::policy
