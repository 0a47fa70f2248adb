// SPDX-License-Identifier: Apache-2.0
#include "tdv/mrz/check_digit.h"

#include "catch.h"
#include "tdv/mrz/country_codes.h"

namespace tdv::mrz {
namespace {

TEST_CASE("check digits match the published vectors", "[mrz][check_digit]") {
  // icao-9303-mrz.md §2: ICAO p3 App. A, jmrtd, dmrtd and PassportEye tests.
  struct Case {
    const char* data;
    int digit;
  } cases[] = {
      {"520727", 3},
      {"L898902C3", 6},
      {"D231458907<<<<<<<<<<<<<<<34071279507122<<<<<<<<<<", 2},
      {"AB2134<<<", 5},
      {"111<<<111111", 3},
      {"1<<1<<1<<1", 8},
      {"D23145890734", 9},   // TD1 long number, variant A
      {"000590240<601", 3},  // Belgian long number, variant B
      {"", 0},
      {"<<<<<<", 0},
  };
  for (const auto& c : cases) {
    INFO(c.data);
    CHECK(ComputeCheckDigit(c.data) == c.digit);
  }
}

TEST_CASE("check digit values: fillers count 0, letters 10-35", "[mrz][check_digit]") {
  CHECK(CharValue('<') == 0);
  CHECK(CharValue('0') == 0);
  CHECK(CharValue('9') == 9);
  CHECK(CharValue('A') == 10);
  CHECK(CharValue('Z') == 35);
  for (char c : std::string("a *|?\n\0", 7)) CHECK(CharValue(c) == -1);
}

TEST_CASE("characters outside the MRZ alphabet make the digit uncomputable", "[mrz][check_digit]") {
  CHECK(ComputeCheckDigit("l898902c3") == -1);
  CHECK(ComputeCheckDigit("L898 02C3") == -1);
  CHECK(AccumulateCheckSum("L89", 0, -1) == -1);
}

TEST_CASE("a sum over split ranges equals the sum over their concatenation", "[mrz][check_digit]") {
  const std::string a = "L898902C36", b = "7408122", c = "1204159ZE184226B<<<<<1";
  const int split =
      AccumulateCheckSum(c, 17, AccumulateCheckSum(b, 10, AccumulateCheckSum(a, 0, 0)));
  CHECK(split % 10 == ComputeCheckDigit(a + b + c));
  CHECK(ComputeCheckDigit(a + b + c) == 0);  // the TD3 specimen's composite
}

TEST_CASE("country codes follow ICAO 9303 Part 3 section 5", "[mrz][codes]") {
  REQUIRE(FindCountryCode("D<<") != nullptr);
  CHECK(FindCountryCode("D<<")->code == "D");
  CHECK(FindCountryCode("DEU") != nullptr);  // in ISO 3166, though never in an MRZ
  for (const char* code : {"GBD", "GBN", "GBO", "GBP", "GBS", "RKS", "EUE", "UNO", "UNA", "UNK",
                           "XXA", "XXB", "XXC", "XXX", "XPO", "XOM", "ANT", "NTZ"}) {
    INFO(code);
    CHECK(FindCountryCode(code) != nullptr);
  }
  CHECK(FindCountryCode("UTO")->category == CodeCategory::kSpecimen);
  CHECK(FindCountryCode("XXK")->category == CodeCategory::kNonIcao);
  CHECK(FindCountryCode("FRA")->category == CodeCategory::kIso3166);
  CHECK(FindCountryCode("ZZZ") == nullptr);
  CHECK(FindCountryCode("") == nullptr);
  CHECK(FindCountryCode("<<<") == nullptr);
  CHECK(AllCountryCodes().size() > 270);
}

}  // namespace
}  // namespace tdv::mrz
