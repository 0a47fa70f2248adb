// SPDX-License-Identifier: Apache-2.0
// Signed data as agency A signs its feeds and agency B checks them, with the
// test PKI's feed signers (tools/testpki/make_test_pki.sh).
#include "tdv/sig/signed_data.h"

#include <filesystem>
#include <fstream>

#include "catch.h"

namespace tdv::sig {
namespace {

namespace fs = std::filesystem;
const fs::path kTls = fs::path(TDV_TEST_PKI_DIR) / "tls";

std::unique_ptr<DataSigner> Signer(const std::string& name) {
  auto s = DataSigner::Load((kTls / (name + ".pem")).string(), (kTls / (name + ".key")).string());
  REQUIRE(s.has_value());
  return std::move(*s);
}

std::unique_ptr<SignerTrust> Trust(const std::string& name) {
  auto t = SignerTrust::Load((kTls / (name + ".pem")).string());
  REQUIRE(t.has_value());
  return std::move(*t);
}

TEST_CASE("signed data: what A signs B accepts, by A's CA or A's own certificate", "[sig][feed]") {
  const std::string data = R"({"format":"tdv-feed-1","sequence":7})";
  auto signature = Signer("feed-a")->Sign(data);
  REQUIRE(signature.has_value());
  CHECK(Trust("ca")->Verify(data, *signature).has_value());
  CHECK(Trust("feed-a")->Verify(data, *signature).has_value());
  SECTION("one byte of the data changed") {
    std::string altered = data;
    altered[altered.size() - 2] = '8';
    auto r = Trust("ca")->Verify(altered, *signature);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kCorrupt);
  }
  SECTION("a signature altered or cut") {
    std::vector<std::uint8_t> bad = *signature;
    bad[bad.size() - 5] ^= 1;
    CHECK_FALSE(Trust("ca")->Verify(data, bad).has_value());
    bad.resize(bad.size() / 2);
    CHECK(Trust("ca")->Verify(data, bad).error().code == ErrorCode::kCorrupt);
    CHECK_FALSE(Trust("ca")->Verify(data, {}).has_value());
  }
  SECTION("a signer of the same name under another CA") {
    auto forged = Signer("feed-impostor")->Sign(data);
    REQUIRE(forged.has_value());
    CHECK_FALSE(Trust("ca")->Verify(data, *forged).has_value());
    CHECK_FALSE(Trust("feed-a")->Verify(data, *forged).has_value());
  }
}

TEST_CASE("signed data: files that are not a signer or a trust say which", "[sig][feed]") {
  auto s = DataSigner::Load((kTls / "feed-a.pem").string(), (kTls / "feed-impostor.key").string());
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().message.find("not the key of") != std::string::npos);
  s = DataSigner::Load((kTls / "none.pem").string(), (kTls / "feed-a.key").string());
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().message.find("none.pem") != std::string::npos);
  auto t = SignerTrust::Load((kTls / "feed-a.key").string());
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().code == ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace tdv::sig
