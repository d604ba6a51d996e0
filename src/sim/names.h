// Names and numbers that make simulated records look like the real ones: romanised Cantonese
// (Hong Kong and Macao spellings), Mandarin pinyin, Portuguese, English and other names; identity
// card and permit numbers in their real shapes (mainland ids with their ISO 7064 check digit, Hong
// Kong ids with theirs); company and institution names; vehicle plates and container numbers.
//
// None of these is a real person, company or document: names are drawn from short lists of
// common words and numbers at random.
// Thread-safety: pure functions of the Random passed in.
#pragma once

#include <string>
#include <string_view>

#include "base/time.h"
#include "sim/random.h"

namespace twoline::sim {

enum class NameStyle : uint8_t {
  kMacaoCantonese,
  kHongKongCantonese,
  kMandarin,
  kPortuguese,
  kEnglish,
  kFrench,
  kGerman,
  kJapanese,
  kKorean,
  kIndian,
};

// The name style usual for a nationality (ISO 3166-1 alpha-2) and residence.
NameStyle NameStyleFor(std::string_view nationality, std::string_view resident_of);
std::string PersonName(NameStyle style, Random& random);

// A document number of the shape used for `type` (SPEC §2 document types); `birth_date` feeds
// the mainland id, `resident_of` the home-return permit's letter.
std::string DocumentNumber(std::string_view type, std::string_view resident_of, Date birth_date,
                           Random& random);

enum class PartyStyle : uint8_t { kEnterprise, kResearch, kPublicBody, kLogistics };
// `industry` is a few words ("Cosmetics", "Semiconductor"); the result is unique enough for a day
// but not guaranteed unique.
std::string PartyName(PartyStyle style, std::string_view industry, Random& random);

// A vehicle plate or container number, written with id characters only ([A-Za-z0-9._:-]) so that
// it can be the `vehicle` of a release: Macao and Hong Kong plates for a first line facing them,
// ISO 6346 container numbers for a first line facing the world, Guangdong plates otherwise.
std::string VehicleId(std::string_view outside, Random& random);

}  // namespace twoline::sim
