#include "base/codes.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/iso_codes_table.h"

namespace twoline {
namespace {

TEST(Codes, CountriesAndSubdivisionsComeFromTheIsoCodesPackage) {
  const IsoCodes& codes = IsoCodes::Get();
  EXPECT_TRUE(codes.IsCountry("CN"));
  EXPECT_TRUE(codes.IsCountry("MO"));
  EXPECT_TRUE(codes.IsCountry("JP"));
  EXPECT_FALSE(codes.IsCountry("XX"));
  EXPECT_FALSE(codes.IsCountry("cn"));
  EXPECT_TRUE(codes.IsSubdivision("JP-04"));  // Miyagi
  EXPECT_TRUE(codes.IsSubdivision("JP-13"));  // Tokyo
  EXPECT_FALSE(codes.IsSubdivision("JP-99"));
  EXPECT_TRUE(codes.IsOrigin("JP-02"));
  EXPECT_TRUE(codes.IsOrigin("FR"));
  EXPECT_FALSE(codes.IsOrigin("FR-"));
}

// The tables are compiled in (generated from the package's JSON at build time), complete and sorted
// for binary search; IsoCodes reads no file (tests/cli/codes_compiled_in.sh runs the binary with
// the package's files hidden).
TEST(Codes, TablesAreCompiledInSortedAndComplete) {
  using namespace iso_codes_table;  // NOLINT: the three tables read better unqualified
  EXPECT_GT(kCountriesCount, 240u);
  EXPECT_GT(kSubdivisionsCount, 4000u);
  EXPECT_GT(kCurrenciesCount, 150u);
  EXPECT_TRUE(std::is_sorted(kCountries, kCountries + kCountriesCount));
  EXPECT_TRUE(std::is_sorted(kSubdivisions, kSubdivisions + kSubdivisionsCount));
  EXPECT_TRUE(std::is_sorted(kCurrencies, kCurrencies + kCurrenciesCount));
  EXPECT_EQ(IsoCodes::Get().countries(), kCountriesCount);
  EXPECT_TRUE(IsoCodes::Get().IsCountry(kCountries[0]));
  EXPECT_TRUE(IsoCodes::Get().IsSubdivision(kSubdivisions[kSubdivisionsCount - 1]));
}

TEST(Codes, CurrenciesAreIso4217) {
  const IsoCodes& codes = IsoCodes::Get();
  EXPECT_TRUE(codes.IsCurrency("CNY"));
  EXPECT_TRUE(codes.IsCurrency("MOP"));
  EXPECT_TRUE(codes.IsCurrency("HKD"));
  EXPECT_FALSE(codes.IsCurrency("RMB"));
  EXPECT_FALSE(codes.IsCurrency("cny"));
}

TEST(Codes, IdsAreShortAndFromASafeAlphabet) {
  EXPECT_TRUE(IsValidId("c-000001"));
  EXPECT_TRUE(IsValidId("a.b_c:d-E9"));
  EXPECT_TRUE(IsValidId(std::string(128, 'x')));
  EXPECT_FALSE(IsValidId(std::string(129, 'x')));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("has space"));
  EXPECT_FALSE(IsValidId("semi;colon"));
  EXPECT_FALSE(IsValidId("ünicode"));
}

TEST(Codes, HsCodesHaveSixToTenDigitsWithDotsBetweenDigits) {
  EXPECT_EQ(*NormalizeHsCode("3301.29"), "330129");
  EXPECT_EQ(*NormalizeHsCode("8471300000"), "8471300000");
  EXPECT_EQ(*NormalizeHsCode("0303.89.00"), "03038900");
  EXPECT_FALSE(NormalizeHsCode("33012").ok());
  EXPECT_FALSE(NormalizeHsCode("84713000001").ok());
  EXPECT_FALSE(NormalizeHsCode(".330129").ok());
  EXPECT_FALSE(NormalizeHsCode("330129.").ok());
  EXPECT_FALSE(NormalizeHsCode("3301..29").ok());
  EXPECT_FALSE(NormalizeHsCode("3301-29").ok());
  EXPECT_FALSE(NormalizeHsCode("").ok());
}

}  // namespace
}  // namespace twoline
