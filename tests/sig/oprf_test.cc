// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/oprf.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catch.h"
#include "tdv/sig/base64.h"

namespace tdv::sig::oprf {
namespace {

Bytes Unhex(std::string_view hex) { return *DecodeHex(hex); }

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST_CASE("hash to curve P256_XMD:SHA-256_SSWU_RO_ (RFC 9380 J.1.1)", "[sig][oprf]") {
  const std::string_view dst = "QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_RO_";
  auto empty = HashToCurve(Text(""), dst);
  REQUIRE(empty);
  CHECK(EncodeHex(*empty) ==
        "04"
        "2c15230b26dbc6fc9a37051158c95b79656e17a1a920b11394ca91c44247d3e4"
        "8a7a74985cc5c776cdfe4b1f19884970453912e9d31528c060be9ab5c43e8415");
  auto abc = HashToCurve(Text("abc"), dst);
  REQUIRE(abc);
  CHECK(EncodeHex(*abc) ==
        "04"
        "0bb8b87485551aa43ed54f009230450b492fead5f1cc91658775dac4a3388a0f"
        "5c41b3d0731a27a7b14bc0bf0ccded2d8751f83493404c84a88e71ffd424212e");
  CHECK_FALSE(HashToCurve(Text("abc"), ""));
}

// RFC 9497 appendix A.3.1: P256-SHA256, OPRF mode.
TEST_CASE("OPRF(P-256, SHA-256) known answers (RFC 9497 A.3.1)", "[sig][oprf]") {
  const Bytes seed(32, 0xa3);
  auto key = DeriveKey(seed, Text("test key"));
  REQUIRE(key);
  CHECK(EncodeHex(*key) == "159749d750713afe245d2d39ccfaae8381c53ce92d098a9375ee70739c7ac0bf");
  const Bytes blind = Unhex("3338fa65ec36e0290022b48eb562889d89dbfa691d1cde91517fa222ed7ad364");

  struct Vector {
    Bytes input;
    const char* blinded;
    const char* evaluated;
    const char* output;
  };
  const Vector vectors[] = {
      {Unhex("00"), "03723a1e5c09b8b9c18d1dcbca29e8007e95f14f4732d9346d490ffc195110368d",
       "030de02ffec47a1fd53efcdd1c6faf5bdc270912b8749e783c7ca75bb412958832",
       "a0b34de5fa4c5b6da07e72af73cc507cceeb48981b97b7285fc375345fe495dd"},
      {Bytes(17, 0x5a), "03cc1df781f1c2240a64d1c297b3f3d16262ef5d4cf102734882675c26231b0838",
       "03a0395fe3828f2476ffcd1f4fe540e5a8489322d398be3c4e5a869db7fcb7c52c",
       "c748ca6dd327f0ce85f4ae3a8cd6d4d5390bbb804c9e12dcf94f853fece3dcce"},
  };
  for (const auto& v : vectors) {
    auto b = Blind(v.input, blind);
    REQUIRE(b);
    CHECK(EncodeHex(b->element) == v.blinded);
    auto z = BlindEvaluate(*key, b->element);
    REQUIRE(z);
    CHECK(EncodeHex(*z) == v.evaluated);
    auto out = Finalize(v.input, b->blind, *z);
    REQUIRE(out);
    CHECK(EncodeHex(*out) == v.output);
    auto direct = Evaluate(*key, v.input);
    REQUIRE(direct);
    CHECK(EncodeHex(*direct) == v.output);
  }
}

TEST_CASE("OPRF: random blinds give the server's output; other keys and inputs do not",
          "[sig][oprf]") {
  auto key = RandomKey();
  auto other = RandomKey();
  REQUIRE(key);
  REQUIRE(other);
  CHECK(*key != *other);
  const Bytes input = Text("D|P|C01X00T47");
  auto a = Blind(input);
  auto b = Blind(input);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->element != b->element);  // the server cannot link two queries
  auto za = BlindEvaluate(*key, a->element);
  auto zb = BlindEvaluate(*key, b->element);
  REQUIRE(za);
  REQUIRE(zb);
  auto out_a = Finalize(input, a->blind, *za);
  auto out_b = Finalize(input, b->blind, *zb);
  auto published = Evaluate(*key, input);
  REQUIRE(out_a);
  REQUIRE(out_b);
  REQUIRE(published);
  CHECK(*out_a == *published);
  CHECK(*out_b == *published);
  CHECK(*Evaluate(*other, input) != *published);
  CHECK(*Evaluate(*key, Text("D|P|C01X00T48")) != *published);
}

TEST_CASE("OPRF: bad keys, elements and inputs are refused", "[sig][oprf]") {
  auto key = DeriveKey(Bytes(32, 1), {});
  REQUIRE(key);
  // A fixed blind: the same element, and the same off-curve x below, every run.
  auto b =
      Blind(Text("x"), Unhex("3338fa65ec36e0290022b48eb562889d89dbfa691d1cde91517fa222ed7ad364"));
  REQUIRE(b);
  // Wrong sizes, the zero scalar, a scalar not below the group order.
  CHECK(BlindEvaluate(Bytes(31, 1), b->element).error().code == ErrorCode::kInvalidInput);
  CHECK(BlindEvaluate(Bytes(32, 0), b->element).error().code == ErrorCode::kInvalidInput);
  CHECK(BlindEvaluate(Bytes(32, 0xff), b->element).error().code == ErrorCode::kInvalidInput);
  // Elements: truncated, uncompressed prefix, x with no point on the curve.
  Bytes cut(b->element.begin(), b->element.end() - 1);
  CHECK(BlindEvaluate(*key, cut).error().code == ErrorCode::kInvalidInput);
  Bytes prefix = b->element;
  prefix[0] = 0x04;
  CHECK(BlindEvaluate(*key, prefix).error().code == ErrorCode::kInvalidInput);
  int off_curve = 0;
  for (int i = 0; i < 8; ++i) {
    Bytes x = b->element;
    x[32] = static_cast<std::uint8_t>(x[32] + 1 + i);
    auto r = BlindEvaluate(*key, x);
    if (!r) {
      CHECK(r.error().code == ErrorCode::kInvalidInput);
      ++off_curve;
    }
  }
  CHECK(off_curve > 0);  // about half of all x have no point
  CHECK(Finalize(Text("x"), b->blind, Bytes(33, 0)).error().code == ErrorCode::kInvalidInput);
  CHECK(Blind(Bytes(kMaxInputBytes + 1, 'a')).error().code == ErrorCode::kInvalidInput);
  CHECK(DeriveKey(Bytes(31, 0), {}).error().code == ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace tdv::sig::oprf
