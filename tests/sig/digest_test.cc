// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/digest.h"

#include <set>

#include "catch.h"

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

}  // namespace
}  // namespace tdv::sig
