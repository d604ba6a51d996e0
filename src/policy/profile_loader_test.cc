// Tests for profile loading and validation: the five built-in profiles load cleanly and say what
// SPEC §1 and DOMAIN.md say; each kind of authoring mistake is reported at its exact line.
#include "policy/profile_loader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/decimal.h"
#include "base/sha256.h"
#include "base/time.h"
#include "cli/zones_command.h"
#include "policy/tariff.h"

namespace twoline::policy {
namespace {

// A small valid profile; each mistake test breaks one thing in it.
constexpr std::string_view kBase = R"([zone]
id = "testzone"
name = "Test Zone"
area_km2 = "1.5"
positioning = "testing"

[[lines]]
line = "first"
outside = "MO"
persons_controlled = true
records_persons = true

[[lines]]
line = "second"
outside = "mainland"

[[gates]]
id = "T-L1-GEN-01"
line = "first"
lane = "general"

[[gates]]
id = "T-L1-WL-01"
line = "first"
lane = "whitelist"
list = "talent"

[[gates]]
id = "T-L1-GDS-01"
line = "first"
lane = "goods"

[[gates]]
id = "T-L2-GDS-01"
line = "second"
lane = "goods"

[[lists]]
name = "talent"
kind = "persons"

[[lists]]
name = "importers"
kind = "parties"

[[person_rules]]
id = "t.first-in"
line = "first"
direction = "in"
documents = ["passport"]
effective_from = "2024-01-01"

[[person_rules]]
id = "t.first-out"
line = "first"
direction = "out"
documents = ["passport"]

[goods]
tariff_file = "tariff.csv"
second_line_out_taxed = true
)";

constexpr std::string_view kTariff =
    "hs_prefix,customs_duty_rate,vat_rate,description\n"
    "*,0.08,0.13,everything else\n"
    "3301,0.03,0.13,essential oils\n";

std::string Replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture text not found: " << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

// The 1-based line of the `occurrence`-th line containing `needle`.
int LineContaining(std::string_view text, std::string_view needle, int occurrence = 1) {
  std::istringstream lines{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find(needle) != std::string::npos && --occurrence == 0) return number;
  }
  ADD_FAILURE() << "no line contains " << needle;
  return -1;
}

std::vector<std::string> Errors(std::string_view toml, std::string_view csv = kTariff) {
  ProfileErrors errors;
  Result<Profile> profile = LoadProfileText(toml, csv, "test.toml", &errors);
  EXPECT_FALSE(profile.ok());
  if (!profile.ok()) {
    std::string joined;
    for (const auto& message : errors.messages) joined += (joined.empty() ? "" : "\n") + message;
    EXPECT_EQ(profile.error().message, joined);
  }
  return errors.messages;
}

// True when some message is "<file>:<line>: ..." and contains `phrase`.
::testing::AssertionResult HasError(const std::vector<std::string>& messages, std::string_view file,
                                    int line, std::string_view phrase) {
  std::string prefix = std::string(file) + ":" + std::to_string(line) + ": ";
  for (const std::string& message : messages) {
    if (message.rfind(prefix, 0) == 0 && message.find(phrase) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  auto failure = ::testing::AssertionFailure();
  failure << "no message starting \"" << prefix << "\" containing \"" << phrase << "\"; got:";
  for (const std::string& message : messages) failure << "\n  " << message;
  return failure;
}

Date D(std::string_view text) { return *ParseDate(text); }

TEST(ProfileLoader, BaseFixtureIsValid) {
  ProfileErrors errors;
  Result<Profile> profile = LoadProfileText(kBase, kTariff, "test.toml", &errors);
  ASSERT_TRUE(profile.ok()) << profile.error().message;
  EXPECT_TRUE(errors.messages.empty());
  EXPECT_EQ(profile->source_text, kBase);
  EXPECT_EQ(profile->tariff_text, kTariff);
  EXPECT_EQ(profile->source_sha256, ToHex(Sha256(kBase)));
  EXPECT_EQ(profile->utc_offset_minutes, 480);
  EXPECT_EQ(profile->currency, "CNY");
}

// --- The five built-in profiles -------------------------------------------------------------

TEST(BuiltinProfiles, AllFiveLoadWithoutErrors) {
  ASSERT_EQ(BuiltinZoneIds(),
            (std::vector<std::string>{"hengqin", "hetao-sz", "hetao-hk", "qianhai", "nansha"}));
  for (const std::string& id : BuiltinZoneIds()) {
    ProfileErrors errors;
    Result<Profile> profile = LoadProfileFile(BuiltinZonesDir() + "/" + id + ".toml", &errors);
    ASSERT_TRUE(profile.ok()) << profile.error().message;
    EXPECT_TRUE(errors.messages.empty()) << id;
    EXPECT_EQ(profile->id, id);
    EXPECT_FALSE(profile->positioning.empty()) << id;
    EXPECT_EQ(profile->source_sha256.size(), 64u);
    EXPECT_NE(profile->FindList("watchlist"), nullptr) << id;
    Result<Profile> builtin = LoadBuiltinProfile(id);
    ASSERT_TRUE(builtin.ok()) << builtin.error().message;
  }
}

std::vector<std::string> GateIds(const Profile& profile) {
  std::vector<std::string> ids;
  for (const Gate& gate : profile.gates) ids.push_back(gate.id);
  return ids;
}

TEST(BuiltinProfiles, GateIdsAreTheContractOnes) {
  EXPECT_EQ(
      GateIds(*LoadBuiltinProfile("hengqin")),
      (std::vector<std::string>{"HQ-L1-GEN-01", "HQ-L1-GEN-02", "HQ-L1-WL-01", "HQ-L1-GDS-01",
                                "HQ-L1-VEH-01", "HQ-L2-GEN-01", "HQ-L2-GDS-01", "HQ-L2-VEH-01"}));
  EXPECT_EQ(
      GateIds(*LoadBuiltinProfile("hetao-sz")),
      (std::vector<std::string>{"HT-L1-GEN-01", "HT-L1-WL-01", "HT-L1-GDS-01", "HT-L1-VEH-01",
                                "HT-L2-GEN-01", "HT-L2-WL-01", "HT-L2-GDS-01", "HT-L2-VEH-01"}));
  EXPECT_EQ(GateIds(*LoadBuiltinProfile("hetao-hk")),
            (std::vector<std::string>{"HK-L1-GDS-01", "HK-L2-GDS-01"}));
  EXPECT_EQ(
      GateIds(*LoadBuiltinProfile("qianhai")),
      (std::vector<std::string>{"QH-L1-GDS-01", "QH-L1-VEH-01", "QH-L2-GDS-01", "QH-L2-VEH-01"}));
  EXPECT_EQ(
      GateIds(*LoadBuiltinProfile("nansha")),
      (std::vector<std::string>{"NS-L1-GDS-01", "NS-L1-VEH-01", "NS-L2-GDS-01", "NS-L2-VEH-01"}));
  Profile hengqin = *LoadBuiltinProfile("hengqin");
  EXPECT_EQ(hengqin.FindGate("HQ-L1-WL-01")->list, "talent");
  EXPECT_EQ(hengqin.FindGate("HQ-L2-GEN-01")->line, Line::kSecond);
  Profile hetao = *LoadBuiltinProfile("hetao-sz");
  EXPECT_FALSE(hetao.FindGate("HT-L2-WL-01")->effective.InForce(D("2025-11-04")));
  EXPECT_TRUE(hetao.FindGate("HT-L2-WL-01")->effective.InForce(D("2025-11-05")));
}

TEST(BuiltinProfiles, TariffLookupTakesTheLongestPrefix) {
  Profile hengqin = *LoadBuiltinProfile("hengqin");
  const TariffRow* oils = hengqin.FindTariff("3301.29");
  ASSERT_NE(oils, nullptr);
  EXPECT_EQ(oils->customs_duty_ppm, *ParseRate("0.03"));
  EXPECT_EQ(oils->vat_ppm, *ParseRate("0.13"));
  const TariffRow* cosmetics = hengqin.FindTariff("3304.99");
  ASSERT_NE(cosmetics, nullptr);
  EXPECT_EQ(cosmetics->customs_duty_ppm, *ParseRate("0.05"));
  EXPECT_EQ(cosmetics->vat_ppm, *ParseRate("0.13"));
  const TariffRow* other = hengqin.FindTariff("9999.99");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->hs_prefix, "*");
  EXPECT_EQ(other->customs_duty_ppm, *ParseRate("0.08"));
  EXPECT_EQ(other->vat_ppm, *ParseRate("0.13"));
  EXPECT_EQ(hengqin.FindTariff("0302.11")->vat_ppm, *ParseRate("0.09"));
  EXPECT_EQ(hengqin.FindTariff("847130")->customs_duty_ppm, 0);
  EXPECT_EQ(HsPrefixMatch("3301.29", "3301"), 4);
  EXPECT_EQ(HsPrefixMatch("3301.29", "33012"), 5);
  EXPECT_EQ(HsPrefixMatch("3301.29", "3304"), -1);
  EXPECT_EQ(HsPrefixMatch("33", "3301"), -1);
  EXPECT_EQ(HsPrefixMatch("3301", "*"), 0);
}

TEST(BuiltinProfiles, HengqinCarriedGoodsRulesFollowTheDates) {
  Profile hengqin = *LoadBuiltinProfile("hengqin");
  EXPECT_EQ(hengqin.FindAllowance(Line::kSecond, Direction::kOut, D("2024-02-29")), nullptr);
  EXPECT_EQ(hengqin.FindAllowance(Line::kSecond, Direction::kOut, D("2024-07-31"))->amount_fen,
            800000);
  EXPECT_EQ(hengqin.FindAllowance(Line::kSecond, Direction::kOut, D("2024-08-01"))->amount_fen,
            1200000);
  EXPECT_EQ(hengqin.PersonalArticleRate("6109.10"), *ParseRate("0.20"));
  EXPECT_EQ(hengqin.PersonalArticleRate("3304.99"), *ParseRate("0.20"));
  EXPECT_EQ(hengqin.PersonalArticleRate("2204.21"), *ParseRate("0.50"));
  EXPECT_EQ(hengqin.PersonalArticleRate("7113.19"), *ParseRate("0.50"));
  EXPECT_EQ(hengqin.PersonalArticleRate("8471.30"), *ParseRate("0.13"));
  const FreshFoodRule* fresh = hengqin.FindFreshFood(D("2024-03-01"));
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->max_quantity_milli, 5000);
  EXPECT_EQ(fresh->forbidden_lines, std::vector<Line>{Line::kSecond});
  EXPECT_EQ(hengqin.FindPersonRule(Line::kFirst, Direction::kIn, D("2023-06-01"))->id,
            "hengqin.first-in.documents-2020");
  EXPECT_EQ(hengqin.FindPersonRule(Line::kFirst, Direction::kIn, D("2024-03-01"))->id,
            "hengqin.first-in.documents");
  EXPECT_EQ(hengqin.FindPersonRule(Line::kSecond, Direction::kOut, D("2024-03-01")), nullptr);
  EXPECT_EQ(*hengqin.CnyPerUnit("CNY", D("2024-03-01")), kRateOne);
  EXPECT_EQ(*hengqin.CnyPerUnit("MOP", D("2024-03-01")), *ParseRate("0.89"));
  EXPECT_FALSE(hengqin.CnyPerUnit("GBP", D("2024-03-01")).has_value());
  EXPECT_EQ(hengqin.goods.value_added_exemption_ppm, *ParseRate("0.30"));
  EXPECT_EQ(hengqin.goods.sampling_dishonest_ppm, *ParseRate("0.20"));
}

TEST(BuiltinProfiles, JapaneseAquaticMeasuresHaveThreeMainlandPeriods) {
  Profile qianhai = *LoadBuiltinProfile("qianhai");
  auto in_force = [&](std::string_view date) {
    std::vector<std::string> ids;
    for (const GoodsRule& rule : qianhai.goods.rules) {
      if (rule.id.rfind("mainland.jp-aquatic", 0) == 0 && rule.effective.InForce(D(date))) {
        ids.push_back(rule.id);
      }
    }
    return ids;
  };
  EXPECT_TRUE(in_force("2023-08-23").empty());
  EXPECT_EQ(in_force("2023-08-24"), std::vector<std::string>{"mainland.jp-aquatic.suspended-2023"});
  EXPECT_EQ(in_force("2025-06-29"),
            (std::vector<std::string>{"mainland.jp-aquatic.ten-prefectures-2025",
                                      "mainland.jp-aquatic.certificates-2025"}));
  EXPECT_EQ(in_force("2025-11-19"), std::vector<std::string>{"mainland.jp-aquatic.suspended-2025"});
  Profile hong_kong = *LoadBuiltinProfile("hetao-hk");
  ASSERT_EQ(hong_kong.goods.rules.size(), 2u);
  EXPECT_EQ(hong_kong.goods.rules[0].action, GoodsAction::kBan);
  EXPECT_EQ(hong_kong.goods.rules[0].origins.size(), 10u);
  EXPECT_EQ(hong_kong.goods.rules[0].produced_from, D("2023-08-24"));
  EXPECT_EQ(hong_kong.goods.rules[1].action, GoodsAction::kHoldForTest);
  ASSERT_EQ(hong_kong.goods.radiation_limits.size(), 2u);
  EXPECT_EQ(hong_kong.goods.radiation_limits[0].max_milli_bq_per_kg, 1000000);
  EXPECT_EQ(hong_kong.goods.radiation_limits[1].max_milli_bq_per_kg, 100000);
}

TEST(BuiltinProfiles, ZonesDirectoryComesFromTheEnvironmentFirst) {
  const char* saved = std::getenv("TWOLINE_ZONES");
  std::string saved_value = saved ? saved : "";
  setenv("TWOLINE_ZONES", "/nonexistent/zones", 1);
  EXPECT_EQ(BuiltinZonesDir(), "/nonexistent/zones");
  EXPECT_FALSE(LoadBuiltinProfile("hengqin").ok());
  if (saved) {
    setenv("TWOLINE_ZONES", saved_value.c_str(), 1);
  } else {
    unsetenv("TWOLINE_ZONES");
  }
  EXPECT_FALSE(LoadBuiltinProfile("../zones/hengqin").ok());
}

// --- Mistakes, each at its exact line -------------------------------------------------------

TEST(ProfileMistakes, UnknownKeyTypoIsCaughtWithASuggestion) {
  std::string text = Replaced(kBase, "direction = \"out\"", "direciton = \"out\"");
  auto errors = Errors(text);
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "direciton"),
               "unknown key \"direciton\" in person_rules[1] (did you mean \"direction\"?)"));
  // The misspelt key also leaves the required one missing, reported at the table's header.
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "[[person_rules]]", 2),
                       "missing required key \"direction\""));
}

TEST(ProfileMistakes, UnknownTopLevelKeyAndNestedTable) {
  std::string text =
      std::string(kBase) + "[goods.sampling]\nadvanced = \"0.01\"\npremium = \"0.5\"\n";
  text = "zone_name = \"x\"\n" + text;
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", 1, "unknown key \"zone_name\" at the top level"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "premium"),
                       "unknown credit \"premium\" in goods.sampling"));
}

TEST(ProfileMistakes, WrongTypeIsReported) {
  std::string text = Replaced(kBase, "area_km2 = \"1.5\"", "area_km2 = 106");
  text = Replaced(text, "records_persons = true", "records_persons = \"yes\"");
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "area_km2"),
                       "zone.area_km2: expected a string (write \"106\"), found integer"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "records_persons"),
                       "lines[0].records_persons: expected true or false, found string"));
}

TEST(ProfileMistakes, MissingRequiredKeyIsReportedAtTheTableHeader) {
  std::string text = std::string(kBase) + "\n[[gates]]\nid = \"T-L2-VEH-01\"\nline = \"second\"\n";
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "[[gates]]", 5),
                       "gates[4]: missing required key \"lane\""));
}

TEST(ProfileMistakes, InvalidEnumValuesAreNamedWithTheChoices) {
  std::string text = std::string(kBase) +
                     "\n[[gates]]\nid = \"T-L2-X-01\"\nline = \"third\"\nlane = \"express\"\n"
                     "\n[[lists]]\nname = \"cars\"\nkind = \"vehicles\"\n"
                     "\n[[goods.rules]]\nid = \"r1\"\naction = \"forbid\"\n";
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"third\""),
                       "unknown line \"third\" (expected first, second)"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"express\""),
                       "unknown lane \"express\" (expected general, whitelist, goods, vehicle)"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"vehicles\""),
                       "unknown list kind \"vehicles\""));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"forbid\""),
                       "unknown action \"forbid\""));
}

TEST(ProfileMistakes, UnknownListIsReportedWhereItIsReferenced) {
  std::string text = Replaced(kBase, "list = \"talent\"", "list = \"vips\"");
  text += "\n[[goods.rules]]\nid = \"r1\"\naction = \"tax_free\"\nlist = \"exporters\"\n";
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"vips\""),
                       "gates[1].list: unknown list \"vips\" (declared lists: talent, importers)"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"exporters\""),
                       "goods.rules[0].list: unknown list \"exporters\""));
}

TEST(ProfileMistakes, WhitelistGatesNeedAPersonsList) {
  std::string text = Replaced(kBase, "list = \"talent\"\n", "");
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "[[gates]]", 2),
                       "gates[1]: a whitelist gate needs a list"));
  text = Replaced(kBase, "list = \"talent\"", "list = \"importers\"");
  errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "list = \"importers\""),
                       "list \"importers\" is a parties list, but a persons list is needed here"));
}

TEST(ProfileMistakes, OnlyWhitelistGatesHaveAList) {
  std::string text = Replaced(kBase, "lane = \"goods\"", "lane = \"goods\"\nlist = \"talent\"");
  auto errors = Errors(text);
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "list = \"talent\"", 2),
               "gates[2].list: only whitelist gates have a list (T-L1-GDS-01 is a goods gate)"));
}

TEST(ProfileMistakes, DuplicateIdsAndNames) {
  std::string text = Replaced(kBase, "id = \"T-L2-GDS-01\"", "id = \"T-L1-GDS-01\"");
  text = Replaced(text, "name = \"importers\"", "name = \"talent\"");
  text = Replaced(text, "id = \"t.first-out\"", "id = \"t.first-in\"");
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"T-L1-GDS-01\"", 2),
                       "duplicate gate id \"T-L1-GDS-01\" (first defined on line " +
                           std::to_string(LineContaining(text, "\"T-L1-GDS-01\"")) + ")"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "name = \"talent\"", 2),
                       "duplicate list name \"talent\""));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"t.first-in\"", 2),
                       "duplicate rule id \"t.first-in\""));
}

TEST(ProfileMistakes, OverlappingPersonRulesOfTheSameLineAndDirection) {
  std::string text = std::string(kBase) +
                     "\n[[person_rules]]\nid = \"t.first-in-2025\"\nline = \"first\"\n"
                     "direction = \"in\"\ndocuments = [\"passport\", \"visa\"]\n"
                     "effective_from = \"2025-01-01\"\n";
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"2025-01-01\""),
                       "person_rules[2] \"t.first-in-2025\": effective dates overlap "
                       "person_rules[0] \"t.first-in\""));
  // Closing the first window where the second opens makes the profile valid.
  std::string fixed = Replaced(text, "effective_from = \"2024-01-01\"",
                               "effective_from = \"2024-01-01\"\neffective_until = \"2025-01-01\"");
  ProfileErrors none;
  EXPECT_TRUE(LoadProfileText(fixed, kTariff, "test.toml", &none).ok());
}

TEST(ProfileMistakes, OverlappingAllowancesAndExchangeRates) {
  std::string text = std::string(kBase) +
                     "\n[[gates]]\nid = \"T-L2-GEN-01\"\nline = \"second\"\nlane = \"general\"\n"
                     "\n[[allowances]]\nid = \"a1\"\nline = \"second\"\ndirection = \"out\"\n"
                     "amount_cny = \"8000\"\neffective_from = \"2024-03-01\"\n"
                     "\n[[allowances]]\nid = \"a2\"\nline = \"second\"\ndirection = \"out\"\n"
                     "amount_cny = \"12000\"\neffective_from = \"2024-07-01\"\n"
                     "\n[[exchange_rates]]\ncurrency = \"USD\"\ncny_per_unit = \"7.1\"\n"
                     "effective_until = \"2025-01-01\"\n"
                     "\n[[exchange_rates]]\ncurrency = \"USD\"\ncny_per_unit = \"7.2\"\n"
                     "effective_from = \"2024-12-01\"\n";
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"2024-07-01\""),
                       "allowances[1] \"a2\": effective dates overlap allowances[0] \"a1\""));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"2024-12-01\""),
                       "exchange_rates[1]: effective dates overlap exchange_rates[0] (line"));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(ProfileMistakes, EffectiveFromMustBeBeforeUntilAndDatesMustBeReal) {
  std::string text = Replaced(kBase, "effective_from = \"2024-01-01\"",
                              "effective_from = \"2024-03-01\"\neffective_until = \"2024-03-01\"");
  text = Replaced(text, "documents = [\"passport\"]\n\n[goods]",
                  "documents = [\"passport\"]\neffective_from = \"2024-02-30\"\n\n[goods]");
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"2024-03-01\""),
                       "effective_from 2024-03-01 is not before effective_until 2024-03-01"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "\"2024-02-30\""),
                       "person_rules[1].effective_from: \"2024-02-30\" is not a calendar date"));
  // A TOML date is accepted as well as a string.
  ProfileErrors none;
  std::string toml_date = Replaced(kBase, "\"2024-01-01\"", "2024-01-01");
  EXPECT_TRUE(LoadProfileText(toml_date, kTariff, "test.toml", &none).ok());
}

TEST(ProfileMistakes, BadDecimalsAreRefused) {
  std::string text = std::string(kBase) +
                     "[goods.sampling]\nadvanced = \"0.1234567\"\ngeneral = \"1e-2\"\n"
                     "dishonest = 0.2\n"
                     "\n[[radiation_limits]]\nnuclides = [\"I-131\"]\nmax_bq_per_kg = \"-100\"\n";
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "0.1234567"),
                       "goods.sampling.advanced: advanced \"0.1234567\": more than 6 decimals"));
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "1e-2"), "exponents are not allowed"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "dishonest"),
                       "expected a decimal string such as \"0.13\", found float"));
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "\"-100\""), "must not be negative"));
}

TEST(ProfileMistakes, BadCodesAreRefused) {
  std::string text =
      std::string(kBase) +
      "\n[[goods.rules]]\nid = \"r1\"\naction = \"ban\"\nhs_prefixes = [\"03\", \"8\"]\n"
      "origins = [\"JP\", \"JP-99\"]\n"
      "\n[[exchange_rates]]\ncurrency = \"XYZ\"\ncny_per_unit = \"1\"\n";
  auto errors = Errors(text);
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "\"8\""),
               "goods.rules[0].hs_prefixes[1]: HS prefix \"8\" must be 2-10 digits or \"*\""));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "JP-99"),
                       "goods.rules[0].origins[1]: \"JP-99\" is not an ISO 3166-1 country or "
                       "ISO 3166-2 subdivision code"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "XYZ"),
                       "exchange_rates[0].currency: \"XYZ\" is not an ISO 4217 currency"));
}

TEST(ProfileMistakes, PersonControlledLineNeedsGeneralAndWhitelistGates) {
  std::string text = Replaced(kBase, "id = \"T-L1-GEN-01\"\nline = \"first\"\nlane = \"general\"",
                              "id = \"T-L1-GEN-01\"\nline = \"first\"\nlane = \"vehicle\"");
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "[[lines]]"),
                       "lines[0]: line \"first\" is crossed by persons (persons_controlled = true) "
                       "but has no general gate"));
}

TEST(ProfileMistakes, EveryLineNeedsAGoodsGate) {
  std::string text = Replaced(kBase, "id = \"T-L2-GDS-01\"\nline = \"second\"\nlane = \"goods\"",
                              "id = \"T-L2-VEH-01\"\nline = \"second\"\nlane = \"vehicle\"");
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "[[lines]]", 2),
                       "lines[1]: line \"second\" has no goods gate"));
  ASSERT_EQ(errors.size(), 1u);
}

TEST(ProfileMistakes, UnknownNuclideCertificateAndDocumentType) {
  std::string text = Replaced(kBase, "documents = [\"passport\"]\neffective_from",
                              "documents = [\"passport\", \"boarding_pass\"]\neffective_from");
  text +=
      "\n[[radiation_limits]]\nnuclides = [\"Sr-90\"]\nmax_bq_per_kg = \"100\"\n"
      "\n[[goods.rules]]\nid = \"r1\"\naction = \"require_certificates\"\n"
      "certificates = [\"health\", \"halal\"]\n";
  auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "boarding_pass"),
                       "person_rules[0].documents[1]: unknown document type \"boarding_pass\""));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "Sr-90"),
                       "unknown nuclide \"Sr-90\" (expected I-131, Cs-134, Cs-137)"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "halal"),
                       "goods.rules[0].certificates[1]: unknown certificate \"halal\""));
}

TEST(ProfileMistakes, TariffCsvErrorsNameTheTariffFileAndLine) {
  std::string csv =
      "hs_prefix,duty,vat_rate,description\n"  // 1: bad header
      "3301,0.03,0.13,essential oils\n"        // 2
      "3301,0.03,0.13,again\n"                 // 3: duplicate
      "3304,0.05x,0.13,cosmetics\n"            // 4: bad rate
      "33o4,0.05,0.13,typo\n";                 // 5: bad prefix; and no "*" row at all
  auto errors = Errors(kBase, csv);
  EXPECT_TRUE(HasError(errors, "tariff.csv", 1, "header must be"));
  EXPECT_TRUE(HasError(errors, "tariff.csv", 3, "duplicate hs_prefix \"3301\""));
  EXPECT_TRUE(
      HasError(errors, "tariff.csv", 4, "customs_duty_rate \"0.05x\": not a decimal number"));
  EXPECT_TRUE(HasError(errors, "tariff.csv", 5, "hs_prefix \"33o4\" must be 2-10 digits"));
  EXPECT_TRUE(HasError(errors, "tariff.csv", 1, "no \"*\" row"));
  // The tariff's name is resolved against the profile's directory.
  ProfileErrors in_directory;
  EXPECT_FALSE(LoadProfileText(kBase, "", "zones/test.toml", &in_directory).ok());
  EXPECT_TRUE(HasError(in_directory.messages, "zones/tariff.csv", 1, "empty tariff file"));
}

TEST(ProfileMistakes, TomlSyntaxErrorHasItsLine) {
  std::string text = Replaced(kBase, "name = \"Test Zone\"", "name = \"Test Zone");
  auto errors = Errors(text);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "Test Zone"), "TOML syntax error"));
}

TEST(ProfileMistakes, EveryMistakeIsReportedInOnePassInLineOrder) {
  std::string text = Replaced(kBase, "area_km2 = \"1.5\"", "area_km2 = \"1.5.0\"");
  text = Replaced(text, "outside = \"MO\"", "outside = \"Macao\"");
  text = Replaced(text, "kind = \"parties\"", "kind = \"parties\"\ncolour = \"red\"");
  auto errors = Errors(text);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "1.5.0"), "more than one decimal point"));
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "Macao"), "ISO 3166-1"));
  EXPECT_TRUE(
      HasError(errors, "test.toml", LineContaining(text, "colour"), "unknown key \"colour\""));
  auto line_of = [](const std::string& message) {
    return std::stoi(message.substr(message.find(':') + 1));
  };
  EXPECT_LT(line_of(errors[0]), line_of(errors[1]));
  EXPECT_LT(line_of(errors[1]), line_of(errors[2]));
}

TEST(ProfileMistakes, TariffTextWithoutATariffFileIsRefused) {
  std::string text =
      Replaced(kBase, "tariff_file = \"tariff.csv\"\nsecond_line_out_taxed = true\n", "");
  auto errors = Errors(text, kTariff);
  EXPECT_TRUE(HasError(errors, "test.toml", LineContaining(text, "[goods]"), "names no tariff"));
  ProfileErrors none;
  Result<Profile> untaxed = LoadProfileText(text, "", "test.toml", &none);
  ASSERT_TRUE(untaxed.ok()) << untaxed.error().message;
  EXPECT_TRUE(untaxed->goods.tariff.empty());
}

// --- The CLI functions ----------------------------------------------------------------------

TEST(ZonesCommand, ZoneJsonHasTheSpecShape) {
  std::string json = cli::ZoneJson(*LoadBuiltinProfile("hetao-sz"));
  EXPECT_EQ(json.rfind("{\"id\":\"hetao-sz\",\"name\":", 0), 0u) << json;
  EXPECT_NE(json.find("\"area_km2\":3.02,\"positioning\":"), std::string::npos) << json;
  EXPECT_NE(
      json.find("\"lines\":[{\"line\":\"first\",\"outside\":\"HK\",\"persons_controlled\":true}"),
      std::string::npos);
  EXPECT_NE(
      json.find(
          "{\"id\":\"HT-L1-WL-01\",\"line\":\"first\",\"lane\":\"whitelist\",\"list\":\"talent\"}"),
      std::string::npos);
  EXPECT_NE(json.find("{\"id\":\"HT-L1-GDS-01\",\"line\":\"first\",\"lane\":\"goods\"}"),
            std::string::npos);
  EXPECT_NE(json.find("\"lists\":[\"watchlist\",\"talent\",\"research_institutions\","
                      "\"biosafety_permit_holders\"]}"),
            std::string::npos);
  std::ostringstream out, err;
  EXPECT_EQ(cli::RunZones(true, out, err), 0) << err.str();
  EXPECT_EQ(out.str().front(), '[');
  EXPECT_NE(out.str().find("\"area_km2\":106,"), std::string::npos);
  std::ostringstream table, table_err;
  EXPECT_EQ(cli::RunZones(false, table, table_err), 0);
  EXPECT_NE(table.str().find("HQ-L1-WL-01"), std::string::npos);
}

TEST(ZonesCommand, CheckProfilePrintsOkOrEveryError) {
  std::ostringstream out, err;
  std::string hengqin = BuiltinZonesDir() + "/hengqin.toml";
  EXPECT_EQ(cli::RunCheckProfile(hengqin, out, err), 0);
  EXPECT_EQ(out.str(), "ok hengqin " + LoadBuiltinProfile("hengqin")->source_sha256 + "\n");
  EXPECT_TRUE(err.str().empty());

  std::string path = ::testing::TempDir() + "twoline_bad_profile.toml";
  {
    std::ofstream file(path);
    file << Replaced(Replaced(kBase, "direction = \"out\"", "direciton = \"out\""),
                     "tariff_file = \"tariff.csv\"", "tariff_file = \"missing.csv\"");
  }
  std::ostringstream bad_out, bad_err;
  EXPECT_EQ(cli::RunCheckProfile(path, bad_out, bad_err), 1);
  EXPECT_TRUE(bad_out.str().empty());
  EXPECT_NE(
      bad_err.str().find(path + ":" + std::to_string(LineContaining(kBase, "direction = \"out\"")) +
                         ": unknown key \"direciton\""),
      std::string::npos)
      << bad_err.str();
  EXPECT_NE(bad_err.str().find("goods.tariff_file: cannot read"), std::string::npos)
      << bad_err.str();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace twoline::policy
