// SPDX-License-Identifier: Apache-2.0
// Known answers for seal decoding: the worked examples of BSI TR-03137 Part 1
// (v2.5) Annexes B to H, byte for byte as printed there.
#include "tdv/sig/vds.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "catch.h"

namespace tdv::sig {
namespace {

std::vector<std::uint8_t> Hex(const std::string& text) {
  std::vector<std::uint8_t> out;
  std::istringstream in(text);
  std::string byte;
  while (in >> byte) out.push_back(static_cast<std::uint8_t>(std::stoi(byte, nullptr, 16)));
  return out;
}

const VdsFeature* Feature(const VdsSeal& seal, const std::string& name) {
  for (const auto& f : seal.features) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Annex C: arrival attestation, header v3.
const char* kAnnexC =
    "dc 02 6a bc 6d 32 c8 a5 19 fc 0f 71 34 11 45 f4 fd 02 02 30 a5 62 13 53 d9 a2 75 73 5b d4 13 "
    "4b "
    "c5 49 13 3c 13 3c 13 3c 13 3c 13 3c a3 25 19 a5 19 a4 34 4a 5e 68 1a e7 20 4b 20 d5 32 cf 4b "
    "7c "
    "13 3c 13 3f 03 08 20 d5 20 10 19 a5 1a ea ff 40 4a 1f 21 8c a4 39 26 47 ec ff 6c 8a bf 9e 79 "
    "6a "
    "78 ee be 0b 1a c8 cc 25 c4 ee 17 ee d9 61 d1 18 90 91 35 8d 7d 61 6f 1a 51 7a bc 74 7f 6c 44 "
    "90 "
    "ff 15 9d 4d cf 50 24 8b 00 b1 e3 2e 9e 78 05 e7";
// Annex D: social insurance card (UTF-8 names).
const char* kAnnexD =
    "dc 02 6a bc 6d 32 c8 a5 19 fc 0f 71 34 11 6d 04 fc 04 01 08 3f ee 45 6d 2d e0 19 a8 02 0b 50 "
    "65 "
    "72 73 63 68 77 65 69 c3 9f 03 05 4f 73 63 61 72 04 13 4a c3 a2 63 6f 62 c3 a9 6e 69 64 69 63 "
    "74 "
    "75 72 69 75 73 ff 40 58 2e d0 5c b0 50 49 b4 fe 49 74 4d 5e 70 a1 98 2f 8b 7a fb 1e 90 25 9c "
    "e4 "
    "7b a9 90 7e fc f5 94 83 f0 a0 b4 21 ec 76 0d 6f d2 28 4b ba c3 7e 13 6f 1e 3b e6 e1 4a 6f 6b "
    "c0 "
    "12 11 0c ff 91 9d 0f";
// Annex E: residence permit, header v4.
const char* kAnnexE =
    "dc 03 6a bc 6d 32 c8 a7 27 39 0f 71 34 11 45 f4 fb 06 02 30 5c ba 13 58 75 97 6e c0 66 d4 17 "
    "b5 "
    "9e 8c 6a bc 13 3c 13 3c 13 3c 13 3c 3f ef 3a 29 38 ee 43 f1 59 3d 1a e5 2d bb 26 75 1f e6 4b "
    "7c "
    "13 3c 13 6b 03 06 d7 95 19 a6 53 06 ff 40 15 8c f5 b0 bb 7f bd a0 99 e8 e7 c9 4a be fc 96 77 "
    "b2 "
    "e7 1e 98 85 f5 cd 90 57 a8 bf cf 93 0a 60 46 bc f8 97 65 0a f8 f9 b0 34 3c 03 4d 2f 64 ce 08 "
    "1f "
    "95 fb f3 d0 12 92 d1 f8 16 5e ce 27 d3 27";
// Annex F: visa sticker (MRV-B), brainpoolP224r1 signature (56 bytes).
const char* kAnnexF =
    "dc 03 6a bc 6d 32 c8 a7 2c b1 0f 71 34 b7 98 15 5d 01 02 2c dd 52 13 4a 74 da 13 47 c6 fe d9 "
    "5c "
    "b8 9f 9f ce 13 3c 13 3c 13 3c 13 3c 20 38 33 73 4a af 47 f0 c3 2f 1a 1e 20 eb 26 25 39 3a fe "
    "31 "
    "04 03 a0 00 00 05 06 33 be 1f ed 20 c6 ff 38 d5 57 32 47 60 8c 9b 64 ca e0 22 c1 c5 24 96 60 "
    "e5 "
    "1a e3 16 d6 00 f9 74 aa c2 12 9c 3f 09 3c 35 95 53 14 02 63 04 70 5c d2 4c 1b 81 00 71 1b d4 "
    "41 "
    "1f 06 8e 8d 93 e8 b7";
// Annex G: address sticker for the German ID card.
const char* kAnnexG =
    "dc 03 6a bc 6d 32 c8 a7 2c b1 0f 71 35 b7 98 15 f9 08 01 06 cf 35 19 af 97 4c 02 06 1a 70 20 "
    "85 "
    "19 a1 03 10 39 5e 26 b3 d9 a2 75 73 5b d4 cd 48 5c a1 71 76 ff 38 91 01 f3 05 c9 aa 04 d2 ab "
    "00 "
    "21 2c 7c f6 5f ef ca af 56 5a 54 53 8b 24 98 d6 81 a1 88 39 c9 26 56 52 6c 40 59 4b 0b 1d a1 "
    "2a "
    "27 f6 87 a3 50 12 78 dc 41 45 b6 e6 4a fc";
// Annex H: residence sticker for German passports.
const char* kAnnexH =
    "dc 03 6a bc 6d 32 c8 a7 2c b1 0f 71 35 b7 98 15 f8 0a 01 06 b7 7a 38 e5 96 ce 02 06 1a 20 3a "
    "4d "
    "1f e1 03 04 26 53 20 81 ff 38 14 62 bc fe f5 1a d1 b8 d0 9d e3 28 b1 5c 54 35 e6 48 29 ce 54 "
    "86 "
    "47 dd 57 97 87 16 96 24 a0 46 73 8d c5 02 37 08 31 9a 42 94 81 11 31 ea ac 58 d5 18 cf e9 8b "
    "43 "
    "14 37";

TEST_CASE("C40: the TR-03137 Annex B examples", "[vds]") {
  CHECK(*EncodeC40("XK<CD") == Hex("eb 04 66 a9"));
  CHECK(*EncodeC40("XKCD") == Hex("eb 11 fe 45"));
  CHECK(*EncodeC40("BSI01") == Hex("62 d7 19 c9"));
  CHECK(*DecodeC40(Hex("eb 04 66 a9")) == "XK CD");
  CHECK(*DecodeC40(Hex("eb 11 fe 45")) == "XKCD");
  CHECK(*DecodeC40(Hex("62 d7 19 c9")) == "BSI01");
  CHECK(*DecodeC40(Hex("6a bc")) == "D  ");
  CHECK(*DecodeC40(Hex("fe 45")) == "D");
  CHECK_FALSE(DecodeC40(Hex("eb")));           // odd length
  CHECK_FALSE(DecodeC40(Hex("ff ff")));        // above 64000
  CHECK_FALSE(DecodeC40(Hex("00 05")));        // shift values are not text
  CHECK_FALSE(DecodeC40(Hex("fe 45 eb 11")));  // the unlatch pair must be last
  CHECK_FALSE(EncodeC40("abc"));
}

TEST_CASE("Annex C: arrival attestation, header v3", "[vds]") {
  auto seal = ParseVds(Hex(kAnnexC));
  REQUIRE(seal);
  CHECK(seal->header.version == 3);
  CHECK(seal->header.issuing_state == "D");
  CHECK(seal->header.signer_id == "DETS");
  CHECK(seal->header.cert_reference == "00027");
  CHECK(seal->header.issue_date == "2020-01-01");
  CHECK(seal->header.signature_date == "2020-01-13");
  CHECK(seal->header.size == 18);
  CHECK(seal->profile == "arrival_attestation");
  CHECK(seal->mrz ==
        "MED<<MUSTERMANN<<ERIK<<<<<<<<<<<<<<<\n"
        "M0000000<4ALB0308212M1604128<<<<<<<2");
  REQUIRE(Feature(*seal, "azr_number"));
  CHECK(Feature(*seal, "azr_number")->value == "160113000085");
  CHECK(seal->has_signature);
  CHECK(seal->signature.size() == 64);
  CHECK(seal->signature.front() == 0x4a);
  CHECK(seal->signature.back() == 0xe7);
  CHECK(seal->signature_offset == seal->signed_bytes.size());
  CHECK(seal->signed_bytes.size() == 18 + 2 + 48 + 2 + 8);
}

TEST_CASE("Annex D: social insurance card with UTF-8 names", "[vds]") {
  auto seal = ParseVds(Hex(kAnnexD));
  REQUIRE(seal);
  CHECK(seal->profile == "social_insurance_card");
  CHECK(seal->header.signature_date == "2020-01-14");
  CHECK(Feature(*seal, "social_insurance_number")->value == "65170839J003");
  CHECK(Feature(*seal, "surname")->value == "Perschwei\xc3\x9f");
  CHECK(Feature(*seal, "first_name")->value == "Oscar");
  CHECK(Feature(*seal, "birth_name")->value ==
        "J\xc3\xa2"
        "cob\xc3\xa9nidicturius");
}

TEST_CASE("Annex E: residence permit, header v4", "[vds]") {
  auto seal = ParseVds(Hex(kAnnexE));
  REQUIRE(seal);
  CHECK(seal->header.version == 4);
  CHECK(seal->header.signer_id == "DETS");
  CHECK(seal->header.cert_reference == "27");
  CHECK(seal->profile == "residence_permit");
  // The TR's prose says "ARD"; its bytes (and BSI's own library) say "ATD".
  CHECK(seal->mrz ==
        "ATD<<RESIDORCE<<ROLAND<<<<<<<<<<<<<<\n"
        "6525845096USA7008038M2201018<<<<<<06");
  CHECK(seal->passport_number == "UFO001979");
}

TEST_CASE("Annex F: visa sticker with a 224-bit signature", "[vds]") {
  auto seal = ParseVds(Hex(kAnnexF));
  REQUIRE(seal);
  CHECK(seal->profile == "visa");
  CHECK(seal->header.cert_reference == "32");
  CHECK(seal->header.signature_date == "2021-12-03");
  CHECK(seal->mrz ==
        "VCD<<DENT<<ARTHUR<PHILIP<<<<<<<<<<<<\n"
        "1234567XY7GBR5203116M2005250");
  CHECK(Feature(*seal, "duration_of_stay")->value == "160 days, 0 months, 0 years");
  CHECK(seal->passport_number == "47110815P");
  CHECK(seal->signature.size() == 56);
}

TEST_CASE("Annexes G and H: address and residence stickers", "[vds]") {
  auto g = ParseVds(Hex(kAnnexG));
  REQUIRE(g);
  CHECK(g->profile == "address_sticker_id_card");
  CHECK(g->header.issue_date == "2021-01-01");
  // The prose says T2000AKA7; the bytes encode T2000AK47 (as BSI's library reads them).
  CHECK(Feature(*g, "document_number")->value == "T2000AK47");
  CHECK(Feature(*g, "municipality_code")->value == "05314000");
  CHECK(Feature(*g, "address")->value == "53123MUSTERMANNSTRASSE21");
  auto h = ParseVds(Hex(kAnnexH));
  REQUIRE(h);
  CHECK(h->profile == "residence_sticker_passport");
  CHECK(Feature(*h, "document_number")->value == "PA5500K11");
  CHECK(Feature(*h, "municipality_code")->value == "03359010");
  CHECK(Feature(*h, "postal_code")->value == "21614");
}

TEST_CASE("Unknown profiles and tags are kept raw", "[vds]") {
  auto bytes = Hex(kAnnexE);
  bytes[16] = 0x42;  // feature reference nobody defined
  auto seal = ParseVds(bytes);
  REQUIRE(seal);
  CHECK(seal->profile == "unknown");
  REQUIRE(seal->features.size() == 2);
  CHECK(seal->features[0].name == "tag_2");
  CHECK(seal->features[0].raw.size() == 48);
  CHECK(seal->mrz.empty());
}

TEST_CASE("Malformed seals name the byte offset", "[vds]") {
  std::size_t offset = 99;
  auto bytes = Hex(kAnnexC);

  SECTION("no magic") {
    bytes[0] = 0xdd;
    auto r = ParseVds(bytes, &offset);
    REQUIRE_FALSE(r);
    CHECK(offset == 0);
  }
  SECTION("unknown version") {
    bytes[1] = 0x07;
    auto r = ParseVds(bytes, &offset);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kUnsupported);
    CHECK(offset == 1);
  }
  SECTION("truncated signature") {
    bytes.resize(bytes.size() - 10);
    auto r = ParseVds(bytes, &offset);
    REQUIRE_FALSE(r);
    CHECK(offset == 78);  // the 0xFF tag whose length overruns
    CHECK(r.error().message.find("offset 78") != std::string::npos);
  }
  SECTION("bytes after the signature") {
    bytes.push_back(0);
    REQUIRE_FALSE(ParseVds(bytes, &offset));
    CHECK(offset == bytes.size() - 1);
  }
  SECTION("a feature length running past the end") {
    bytes.resize(20);
    bytes[19] = 0x81;  // long form, its byte missing
    REQUIRE_FALSE(ParseVds(bytes, &offset));
    CHECK(offset == 18);
  }
  SECTION("an impossible date") {
    bytes[10] = 0xff;
    REQUIRE_FALSE(ParseVds(bytes, &offset));
    CHECK(offset == 10);
  }
  SECTION("every prefix is an error or an unsigned seal, never a crash") {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      std::vector<std::uint8_t> prefix(bytes.begin(),
                                       bytes.begin() + static_cast<std::ptrdiff_t>(n));
      auto r = ParseVds(prefix);
      if (r) CHECK_FALSE(r->has_signature);
    }
  }
}

TEST_CASE("Long-form DER lengths in the message zone", "[vds]") {
  auto bytes = Hex(kAnnexE);
  std::vector<std::uint8_t> seal(bytes.begin(), bytes.begin() + 18);
  std::vector<std::uint8_t> image(300, 0xab);
  seal.push_back(0x01);
  seal.push_back(0x82);
  seal.push_back(0x01);
  seal.push_back(0x2c);
  seal.insert(seal.end(), image.begin(), image.end());
  auto r = ParseVds(seal);
  REQUIRE(r);
  REQUIRE(r->features.size() == 1);
  CHECK(r->features[0].raw.size() == 300);
  CHECK_FALSE(r->has_signature);
}

}  // namespace
}  // namespace tdv::sig

namespace tdv::sig {
namespace {

// A v4 header whose certificate reference length is written in the "wrong"
// radix for its signer still parses when the other radix gives a clean seal.
TEST_CASE("v4 certificate reference length: the signer's radix, then the other", "[vds]") {
  auto build = [](const std::string& signer_and_len, const std::string& ref) {
    std::vector<std::uint8_t> seal = {0xdc, 0x03};
    auto append = [&seal](const std::vector<std::uint8_t>& bytes) {
      seal.insert(seal.end(), bytes.begin(), bytes.end());
    };
    append(EncodeC40("D<<").value());
    append(EncodeC40(signer_and_len).value());
    append(EncodeC40(ref).value());
    append(Hex("0f 71 34 11 45 f4 5d 01 05 06 33 be 1f ed 20 c6 ff 02 01 02"));
    return seal;
  };
  // DEZV reads decimal: "12" = 12 characters.
  auto dezv = ParseVds(build("DEZV12", "ABCDEF123456"));
  REQUIRE(dezv);
  CHECK(dezv->header.cert_reference == "ABCDEF123456");
  CHECK(dezv->header.cert_reference_radix == 10);
  CHECK_FALSE(dezv->header.cert_reference_radix_fallback);
  // Others read hex: "0C" = 12 characters.
  auto hex = ParseVds(build("DETS0C", "ABCDEF123456"));
  REQUIRE(hex);
  CHECK(hex->header.cert_reference_radix == 16);
  // DEZV with a hex length "20" (32 characters, a UUID): decimal 20 does not
  // parse, hex does.
  auto uuid = ParseVds(build("DEZV20", "0123456789ABCDEF0123456789ABCDEF"));
  REQUIRE(uuid);
  CHECK(uuid->header.cert_reference == "0123456789ABCDEF0123456789ABCDEF");
  CHECK(uuid->header.cert_reference_radix_fallback);
  CHECK(uuid->passport_number == "47110815P");
}

}  // namespace
}  // namespace tdv::sig
