#include "sim/names.h"

#include <cstdio>

namespace twoline::sim {
namespace {

// Macao spellings follow the Portuguese-based romanisation of Cantonese ("Ieong", "Hou", "Ian");
// Hong Kong's follow the English-based one ("Yeung", "Ho", "Yan").
const char* const kMacaoSurnames[] = {"Chan",   "Wong", "Leong", "Ieong", "Lei",  "Lam",  "Ho",
                                      "Cheong", "Vong", "Sou",   "Lao",   "Choi", "Kuok", "Un",
                                      "Iao",    "Lo",   "Chao",  "Sio",   "Tam",  "Fong"};
const char* const kMacaoGiven[] = {"Ka Hou",   "Sok I",    "Weng Hong", "Chi Kin",  "Hoi Ian",
                                   "Man Ieng", "Kin Hang", "Wai Kei",   "Chon Kit", "Iok Lan",
                                   "Ka Man",   "Chi Hou",  "Pui San",   "Kuok Wa",  "Sio Lan",
                                   "Hou Ian",  "Ka Wai",   "Chi Leng",  "U Meng",   "Wai Man"};
const char* const kHongKongSurnames[] = {"Chan", "Wong", "Leung", "Lee",  "Lam",   "Cheung", "Ho",
                                         "Ng",   "Lau",  "Tam",   "Chu",  "Kwok",  "Yeung",  "Mak",
                                         "Yip",  "Tse",  "Hui",   "Tang", "Cheng", "Fung"};
const char* const kHongKongGiven[] = {"Tai Man",  "Ka Wai",  "Wing Yan", "Chi Keung", "Mei Ling",
                                      "Siu Ming", "Wai Lun", "Hiu Tung", "Pui Man",   "Kam Fong",
                                      "Ka Yan",   "Tsz Hin", "Ho Yin",   "Sze Wing",  "Chun Kit",
                                      "Yuk Lan",  "Man Kit", "Lok Yi",   "Wing Sze",  "Kwok Wai"};
const char* const kMandarinSurnames[] = {"Wang", "Li",  "Zhang", "Liu", "Chen", "Yang", "Huang",
                                         "Zhao", "Wu",  "Zhou",  "Xu",  "Sun",  "Ma",   "Zhu",
                                         "Hu",   "Guo", "He",    "Lin", "Luo",  "Liang"};
const char* const kMandarinGiven[] = {"Wei",    "Fang",     "Xiuying", "Jun",    "Lei",
                                      "Jing",   "Min",      "Jie",     "Tao",    "Hao",
                                      "Yuxuan", "Zihan",    "Haoran",  "Xinyi",  "Yutong",
                                      "Jiahui", "Zhiqiang", "Guoqing", "Shuang", "Mingyu"};
const char* const kPortugueseGiven[] = {"João", "Maria", "Ana",   "Pedro", "Miguel", "Rita",
                                        "Inês", "Rui",   "Tiago", "Sofia", "Filipa", "Duarte"};
const char* const kPortugueseSurnames[] = {"Silva",   "Santos",    "Ferreira", "Pereira",
                                           "Costa",   "Rodrigues", "Martins",  "Sousa",
                                           "Almeida", "Carvalho",  "Gomes",    "Lopes"};
const char* const kEnglishGiven[] = {"James",  "Emily",  "Oliver",  "Sophie", "Daniel", "Charlotte",
                                     "Thomas", "Hannah", "Michael", "Sarah",  "David",  "Laura"};
const char* const kEnglishSurnames[] = {"Smith",  "Brown",  "Taylor", "Wilson",  "Evans",  "Clarke",
                                        "Walker", "Hughes", "Murphy", "O'Brien", "Turner", "Price"};
const char* const kFrenchGiven[] = {"Camille", "Louis", "Chloé", "Hugo", "Manon", "Julien"};
const char* const kFrenchSurnames[] = {"Martin",  "Bernard", "Dubois",
                                       "Lefèvre", "Moreau",  "Girard"};
const char* const kGermanGiven[] = {"Lukas", "Anna", "Felix", "Lena", "Jonas", "Katharina"};
const char* const kGermanSurnames[] = {"Müller",  "Schmidt", "Schneider",
                                       "Fischer", "Weber",   "Becker"};
const char* const kJapaneseSurnames[] = {"Sato",   "Suzuki",   "Takahashi",
                                         "Tanaka", "Watanabe", "Ito"};
const char* const kJapaneseGiven[] = {"Yuki", "Haruto", "Aoi", "Ren", "Sakura", "Takumi"};
const char* const kKoreanSurnames[] = {"Kim", "Lee", "Park", "Choi", "Jung", "Kang"};
const char* const kKoreanGiven[] = {"Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-hyun", "Su-bin"};
const char* const kIndianGiven[] = {"Priya", "Arjun", "Ananya", "Rahul", "Kavya", "Vikram"};
const char* const kIndianSurnames[] = {"Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair"};

// Draws a name from two pools, one draw per statement: C++ leaves the order in which the operands
// of one expression are evaluated unspecified, so two draws in one expression could be made in a
// different order by another compiler and change the day.
template <size_t M, size_t N>
std::string Join(const char* const (&first)[M], const char* const (&second)[N], Random& random) {
  std::string name = random.Pick(first);
  name += ' ';
  name += random.Pick(second);
  return name;
}

std::string Digits(int count, Random& random) {
  std::string digits;
  for (int i = 0; i < count; ++i) digits.push_back(static_cast<char>('0' + random.Uniform(0, 9)));
  return digits;
}

char Letter(Random& random) { return static_cast<char>('A' + random.Uniform(0, 25)); }

// The 18-character resident identity number: a region code, the birth date, a sequence number
// and the ISO 7064 MOD 11-2 check character.
std::string MainlandId(Date birth_date, Random& random) {
  static const char* const kRegions[] = {"440402", "440403", "440304", "440305", "440106",
                                         "440115", "430102", "420106", "110105", "310115",
                                         "510107", "350203", "330106", "450103"};
  int year = 0, month = 0, day = 0;
  CivilFromDays(birth_date, &year, &month, &day);
  char birth[16];
  std::snprintf(birth, sizeof birth, "%04d%02d%02d", year, month, day);
  std::string number = random.Pick(kRegions);
  number += birth;
  number += Digits(3, random);
  static const int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (number[i] - '0') * kWeights[i];
  number.push_back("10X98765432"[sum % 11]);
  return number;
}

// A Hong Kong identity card number, "A123456(3)", with its check digit.
std::string HongKongId(Random& random) {
  char letter = Letter(random);
  std::string digits = Digits(6, random);
  int sum = 36 * 9 + (letter - 'A' + 10) * 8;
  for (int i = 0; i < 6; ++i) sum += (digits[static_cast<size_t>(i)] - '0') * (7 - i);
  int check = (11 - sum % 11) % 11;
  char check_char = check == 10 ? 'A' : static_cast<char>('0' + check);
  return std::string(1, letter) + digits + "(" + check_char + ")";
}

// ISO 6346: owner code, category "U", six digits and a check digit computed from letter values
// that skip multiples of 11.
std::string ContainerNumber(Random& random) {
  static const char* const kOwners[] = {"MSC", "MAE", "CSN", "OOL", "EGH", "HLX", "CMA", "ONE"};
  std::string number = random.Pick(kOwners);
  number += 'U';
  number += Digits(6, random);
  int sum = 0;
  for (size_t i = 0; i < number.size(); ++i) {
    char c = number[i];
    int value = c - '0';
    if (c >= 'A' && c <= 'Z') {
      value = 10;
      for (char letter = 'A'; letter < c; ++letter) {
        ++value;
        if (value % 11 == 0) ++value;
      }
    }
    sum += value << i;
  }
  number.push_back(static_cast<char>('0' + sum % 11 % 10));
  return number;
}

}  // namespace

NameStyle NameStyleFor(std::string_view nationality, std::string_view resident_of) {
  if (nationality == "CN" || nationality == "MO" || nationality == "HK") {
    if (resident_of == "MO") return NameStyle::kMacaoCantonese;
    if (resident_of == "HK") return NameStyle::kHongKongCantonese;
    return NameStyle::kMandarin;
  }
  if (nationality == "PT" || nationality == "BR") return NameStyle::kPortuguese;
  if (nationality == "FR" || nationality == "CH" || nationality == "BE") return NameStyle::kFrench;
  if (nationality == "DE" || nationality == "AT") return NameStyle::kGerman;
  if (nationality == "JP") return NameStyle::kJapanese;
  if (nationality == "KR") return NameStyle::kKorean;
  if (nationality == "IN") return NameStyle::kIndian;
  return NameStyle::kEnglish;
}

std::string PersonName(NameStyle style, Random& random) {
  // Chinese, Japanese and Korean names are written surname first, the others given name first.
  switch (style) {
    case NameStyle::kMacaoCantonese:
      return Join(kMacaoSurnames, kMacaoGiven, random);
    case NameStyle::kHongKongCantonese:
      return Join(kHongKongSurnames, kHongKongGiven, random);
    case NameStyle::kMandarin:
      return Join(kMandarinSurnames, kMandarinGiven, random);
    case NameStyle::kPortuguese: {
      // Portuguese names usually carry two surnames.
      std::string name = Join(kPortugueseGiven, kPortugueseSurnames, random);
      name += ' ';
      name += random.Pick(kPortugueseSurnames);
      return name;
    }
    case NameStyle::kEnglish:
      return Join(kEnglishGiven, kEnglishSurnames, random);
    case NameStyle::kFrench:
      return Join(kFrenchGiven, kFrenchSurnames, random);
    case NameStyle::kGerman:
      return Join(kGermanGiven, kGermanSurnames, random);
    case NameStyle::kJapanese:
      return Join(kJapaneseSurnames, kJapaneseGiven, random);
    case NameStyle::kKorean:
      return Join(kKoreanSurnames, kKoreanGiven, random);
    case NameStyle::kIndian:
      return Join(kIndianGiven, kIndianSurnames, random);
  }
  return "Unknown";
}

std::string DocumentNumber(std::string_view type, std::string_view resident_of, Date birth_date,
                           Random& random) {
  if (type == "mainland_id") return MainlandId(birth_date, random);
  if (type == "hk_id") return HongKongId(random);
  std::string number;
  if (type == "macao_id") {
    static const char* const kFirst[] = {"1", "5", "7"};
    number = random.Pick(kFirst);
    number += Digits(6, random);
    number += '(';
    number += Digits(1, random);
    number += ')';
  } else if (type == "home_return_permit") {
    number = resident_of == "MO" ? "M" : "H";
    number += Digits(8, random);
  } else if (type == "hk_mo_exit_entry_permit") {
    number = "C";
    number += Letter(random);
    number += Digits(7, random);
  } else if (type == "passport") {
    number += Letter(random);
    number += Letter(random);
    number += Digits(7, random);
  } else if (type == "visa") {
    number = "V" + Digits(8, random);
  } else if (type == "talent_permit") {
    number = "TP" + Digits(9, random);
  } else if (type == "zone_permit") {
    number = "ZP" + Digits(8, random);
  } else {
    number += Letter(random);
    number += Digits(8, random);
  }
  return number;
}

std::string PartyName(PartyStyle style, std::string_view industry, Random& random) {
  static const char* const kBrands[] = {
      "Lotus",   "Pearl River", "Greater Bay", "Golden Lotus", "Harbour",  "Peninsula",
      "Jade",    "Orient",      "Silverline",  "Kingsway",     "Coral",    "Evergreen",
      "Summit",  "Meridian",    "Azure",       "Crescent",     "Horizon",  "Sunrise",
      "Phoenix", "Crane",       "Banyan",      "Tidewater",    "Camellia", "Seabridge"};
  std::string brand = random.Pick(kBrands);
  bool variant = random.Chance(500000);
  std::string words(industry);
  switch (style) {
    case PartyStyle::kEnterprise:
      return brand + " " + words + (variant ? " Co., Ltd." : " Technology Co., Ltd.");
    case PartyStyle::kResearch:
      return variant ? brand + " Institute of " + words : brand + " Joint Laboratory for " + words;
    case PartyStyle::kPublicBody:
      return variant ? brand + " " + words + " Centre" : brand + " Public " + words;
    case PartyStyle::kLogistics:
      return brand +
             (variant ? " Supply Chain Management Co., Ltd." : " International Logistics Ltd.");
  }
  return brand;
}

std::string VehicleId(std::string_view outside, Random& random) {
  std::string id;
  if (outside == "MO") {
    id = "M";
    id += Letter(random);
    id += '-';
    id += Digits(2, random);
    id += '-';
    id += Digits(2, random);
  } else if (outside == "HK") {
    id += Letter(random);
    id += Letter(random);
    id += Digits(4, random);
  } else if (outside == "world") {
    id = ContainerNumber(random);
  } else {
    static const char* const kCities[] = {"A", "B", "C", "E", "S"};  // Guangdong plate letters
    id = "YUE-";
    id += random.Pick(kCities);
    id += Letter(random);
    id += Digits(4, random);
  }
  return id;
}

}  // namespace twoline::sim
