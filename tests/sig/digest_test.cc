// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/digest.h"

#include <cstdint>
#include <set>
#include <vector>

#include "catch.h"
#include "tdv/sig/chip.h"

namespace tdv::sig {
namespace {

TEST_CASE("SHA-256 known answers (FIPS 180-2)", "[sig][digest]") {
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("random hex: the asked length, never the same twice", "[sig][digest]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto r = RandomHex(16);
    REQUIRE(r.has_value());
    CHECK(r->size() == 32);
    CHECK(r->find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(*r);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("constant-time comparison", "[sig][digest]") {
  CHECK(ConstantTimeEqual("abc", "abc"));
  CHECK_FALSE(ConstantTimeEqual("abc", "abd"));
  CHECK_FALSE(ConstantTimeEqual("abc", "abcd"));
  CHECK(ConstantTimeEqual("", ""));
}

TEST_CASE("DG1: the MRZ inside 61 L 5F1F L, and nothing from anything else", "[sig][chip]") {
  const std::string mrz = std::string("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<") +
                          "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
  REQUIRE(mrz.size() == 88);
  std::vector<std::uint8_t> dg1 = {0x61, 91, 0x5F, 0x1F, 88};
  dg1.insert(dg1.end(), mrz.begin(), mrz.end());
  CHECK(Dg1Mrz(dg1) == mrz);
  std::vector<std::uint8_t> wrong_tag = dg1;
  wrong_tag[0] = 0x62;
  CHECK(Dg1Mrz(wrong_tag).empty());
  std::vector<std::uint8_t> short_mrz = {0x61, 13, 0x5F, 0x1F, 10};
  short_mrz.insert(short_mrz.end(), mrz.begin(), mrz.begin() + 10);
  CHECK(Dg1Mrz(short_mrz).empty());
  std::vector<std::uint8_t> truncated(dg1.begin(), dg1.end() - 5);
  CHECK(Dg1Mrz(truncated).empty());
  CHECK(Dg1Mrz({}).empty());
}

}  // namespace
}  // namespace tdv::sig
