// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/digest.h"

#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "catch.h"
#include "tdv/sig/chip.h"

namespace tdv::sig {
namespace {

TEST_CASE("SHA-256 known answers (FIPS 180-2)", "[sig][digest]") {
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("HMAC-SHA-256 known answers (RFC 4231)", "[sig][digest]") {
  // Test case 2.
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: key 20 x 0x0b.
  CHECK(HmacSha256Hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("HMAC-SHA-256 with a primed key: the same MACs, from many threads", "[sig][digest]") {
  const HmacSha256 jefe("Jefe");
  CHECK(jefe.Hex("what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(jefe.Hex("what do ya want for nothing?", 32) == "5bdcc146bf60754e6a042426089575c7");
  // RFC 4231 test case 6: a key longer than the block (131 x 0xaa).
  const HmacSha256 long_key(std::string(131, '\xaa'));
  CHECK(long_key.Hex("Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        const std::string m = "message " + std::to_string(i);
        if (jefe.Hex(m) != HmacSha256Hex("Jefe", m)) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
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
