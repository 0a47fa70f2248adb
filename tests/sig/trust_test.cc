// SPDX-License-Identifier: Apache-2.0
// The trust store, seal verification and passive authentication against the
// test PKI that tools/testpki/make_test_pki.sh builds (the ctest fixture
// `testpki` runs it into TDV_TEST_PKI_DIR before these tests).
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "catch.h"
#include "ldif.h"
#include "process.h"
#include "tdv/sig/chip.h"
#include "tdv/sig/seal.h"
#include "tdv/sig/trust_store.h"

namespace tdv::sig {
namespace {
namespace fs = std::filesystem;
using tdv::testing::TempDir;

const fs::path kPki = TDV_TEST_PKI_DIR;
constexpr std::time_t kDay = 24 * 3600;

std::vector<std::uint8_t> Bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

void Import(TrustStore& store, const std::string& rel, TrustImportOptions o = {}) {
  auto r = store.Import(Bytes(kPki / rel), o);
  INFO(rel << ": " << (r ? "" : r.error().message));
  REQUIRE(r);
}

// The store a border agency would have: DE's old CSCA and the link to its
// new one (not the new self-signed certificate), the CRLs, the seal signers,
// one document signer, and DE's master list with the NL and FR CSCAs.
void FillStore(TrustStore& store, bool with_nl_crl = true) {
  Import(store, "csca/de-old.pem");
  Import(store, "csca/de-link.pem");
  Import(store, "crl/de-new.pem");
  if (with_nl_crl) Import(store, "crl/nl.pem");
  for (const char* s : {"seal-dets", "seal-dett", "seal-nlab", "seal-nlac", "seal-derv", "ds-de"}) {
    Import(store, std::string("signer/") + s + ".pem");
  }
  TrustImportOptions ml;
  ml.master_list_roots.push_back(Bytes(kPki / "csca/de-old.pem"));
  Import(store, "ml/masterlist.ml", ml);
}

std::shared_ptr<const TrustAnchors> Anchors(const fs::path& dir,
                                            CrlPolicy policy = CrlPolicy::kIfPresent) {
  auto a = TrustAnchors::Load(dir, policy);
  REQUIRE(a);
  return *a;
}

ChipData Chip(const std::string& name) {
  ChipData chip;
  fs::path dir = kPki / "chips" / name;
  chip.sod = Bytes(dir / "sod.bin");
  for (int n = 1; n <= 16; ++n) {
    fs::path dg = dir / ("dg" + std::to_string(n) + ".bin");
    if (fs::exists(dg)) chip.data_groups[n] = Bytes(dg);
  }
  return chip;
}

TEST_CASE("Trust store: import, classify, list, remove", "[trust]") {
  TempDir tmp;
  auto store = TrustStore::Open(tmp.path() / "trust");
  REQUIRE(store);

  auto csca = store->Import(Bytes(kPki / "csca/de-old.pem"));
  REQUIRE(csca);
  REQUIRE(csca->added.size() == 1);
  CHECK(csca->added[0].kind == TrustKind::kCsca);
  CHECK(csca->added[0].country == "DE");
  CHECK(csca->added[0].self_signed);
  auto again = store->Import(Bytes(kPki / "csca/de-old.pem"));
  REQUIRE(again);
  CHECK(again->added.empty());
  CHECK(again->already_present == 1);

  auto signer = store->Import(Bytes(kPki / "signer/seal-dets.pem"));
  REQUIRE(signer);
  CHECK(signer->added[0].kind == TrustKind::kSigner);
  CHECK(signer->added[0].serial == "27");
  auto crl = store->Import(Bytes(kPki / "crl/de-new.pem"));
  REQUIRE(crl);
  CHECK(crl->added[0].kind == TrustKind::kCrl);
  CHECK(crl->added[0].revoked == 2);

  SECTION("a master list is verified against its root first") {
    TrustImportOptions o;
    o.master_list_roots.push_back(Bytes(kPki / "csca/de-old.pem"));
    auto ml = store->Import(Bytes(kPki / "ml/masterlist.ml"), o);
    REQUIRE(ml);
    CHECK(ml->master_list);
    REQUIRE(ml->added.size() == 2);
    CHECK(ml->added[0].kind == TrustKind::kCsca);

    auto forged = store->Import(Bytes(kPki / "ml/masterlist-untrusted.ml"), o);
    REQUIRE_FALSE(forged);
    CHECK(forged.error().code == ErrorCode::kCorrupt);
    // The stored CSCAs are the default roots: DE's signs the master list.
    auto with_stored = store->Import(Bytes(kPki / "ml/masterlist.ml"));
    REQUIRE(with_stored);
    CHECK(with_stored->already_present == 2);
  }
  SECTION("a master list with no root to check it against is refused") {
    TempDir empty;
    auto other = TrustStore::Open(empty.path());
    REQUIRE(other);
    auto ml = other->Import(Bytes(kPki / "ml/masterlist.ml"));
    REQUIRE_FALSE(ml);
    CHECK(ml.error().code == ErrorCode::kCorrupt);
    CHECK(other->List()->empty());
  }
  SECTION("unreadable input writes nothing") {
    std::vector<std::uint8_t> junk = {'h', 'e', 'l', 'l', 'o'};
    auto r = store->Import(junk);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    CHECK(store->List()->size() == 3);
  }
  SECTION("list and remove by id prefix") {
    auto all = store->List();
    REQUIRE(all);
    REQUIRE(all->size() == 3);
    std::string id = signer->added[0].id;
    auto removed = store->Remove(id.substr(0, 6));
    REQUIRE(removed);
    CHECK(removed->serial == "27");
    CHECK(store->List()->size() == 2);
    CHECK(store->Remove(id).error().code == ErrorCode::kNotFound);
    CHECK(store->Remove("ab").error().code == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("Seals: one distinct outcome each", "[seal]") {
  TempDir tmp;
  auto store = TrustStore::Open(tmp.path());
  REQUIRE(store);
  FillStore(*store);
  auto anchors = Anchors(tmp.path());
  const std::time_t now = std::time(nullptr);
  auto verify = [&](const std::string& name, std::time_t at = 0) {
    return VerifySeal(Bytes(kPki / "seals" / (name + ".vds")), anchors.get(), at ? at : now);
  };

  SECTION("valid on four curves, v3 and v4 headers, through a link certificate") {
    auto visa = verify("visa-dets");  // brainpoolP256r1, DE 2 via the link certificate
    INFO(visa.detail);
    CHECK(visa.status == SealStatus::kValid);
    REQUIRE(visa.signer);
    CHECK(visa.signer->subject == "C = DE, CN = TS");
    CHECK(visa.signer->crl == "checked");
    CHECK(visa.seal->profile == "visa");
    CHECK(visa.seal->passport_number == "UP1234567");
    CHECK(verify("rp-dett-v3").status ==
          SealStatus::kValid);  // P-224, CSCA with explicit parameters
    CHECK(verify("aad-nlab").status ==
          SealStatus::kValid);  // P-384, SHA-384, CSCA from the master list
    CHECK(verify("etd-nlac").status == SealStatus::kValid);  // P-521, SHA-512
    auto extra = verify("visa-unknown-tag");
    CHECK(extra.status == SealStatus::kValid);
    CHECK(extra.seal->features.back().name == "tag_48");
  }
  SECTION("forgeries") {
    CHECK(verify("visa-tampered").status == SealStatus::kInvalidSignature);
    CHECK(verify("visa-badsig").status == SealStatus::kInvalidSignature);
  }
  SECTION("signer problems") {
    CHECK(verify("visa-unknown-signer").status == SealStatus::kUnknownSigner);
    CHECK(verify("visa-revoked").status == SealStatus::kRevoked);
    CHECK(verify("visa-dets", now + 30 * 365 * kDay).status ==
          SealStatus::kUntrusted);  // all expired
    CHECK(VerifySeal(Bytes(kPki / "seals/visa-dets.vds"), nullptr, now).status ==
          SealStatus::kUnknownSigner);
  }
  SECTION("structure") {
    CHECK(verify("visa-unsigned").status == SealStatus::kUnsigned);
    auto cut = verify("visa-truncated");
    CHECK(cut.status == SealStatus::kMalformed);
    CHECK(cut.offset > 18);
    // A seal is read whole before its signer is looked up: one cut short is
    // malformed even when no certificate for its signer is in the store (no
    // certificate could make it verify; "unknown signer" would send the
    // officer looking for one).
    auto unknown = Bytes(kPki / "seals" / "visa-unknown-signer.vds");
    unknown.resize(unknown.size() - 5);
    auto cut_unknown = VerifySeal(unknown, anchors.get(), now);
    CHECK(cut_unknown.status == SealStatus::kMalformed);
  }
  SECTION("revocation policy") {
    // NL's CRL is valid for one day: two days on it has expired.
    CHECK(verify("aad-nlab", now + 2 * kDay).status == SealStatus::kRevocationUnknown);
    TempDir bare;
    auto no_crl = TrustStore::Open(bare.path());
    REQUIRE(no_crl);
    FillStore(*no_crl, /*with_nl_crl=*/false);
    CHECK(VerifySeal(Bytes(kPki / "seals/aad-nlab.vds"), Anchors(bare.path()).get(), now).status ==
          SealStatus::kValid);
    auto required = Anchors(bare.path(), CrlPolicy::kRequire);
    CHECK(VerifySeal(Bytes(kPki / "seals/aad-nlab.vds"), required.get(), now).status ==
          SealStatus::kRevocationUnknown);
    auto ignored = Anchors(bare.path(), CrlPolicy::kIgnore);
    CHECK(VerifySeal(Bytes(kPki / "seals/visa-revoked.vds"), ignored.get(), now).status ==
          SealStatus::kValid);
  }
}

TEST_CASE("Passive authentication: one distinct outcome each", "[chip]") {
  TempDir tmp;
  auto store = TrustStore::Open(tmp.path());
  REQUIRE(store);
  FillStore(*store);
  auto anchors = Anchors(tmp.path());
  const std::time_t now = std::time(nullptr);
  auto verify = [&](const std::string& name, std::time_t at = 0) {
    auto r = VerifyChip(Chip(name), anchors.get(), at ? at : now);
    INFO(name << ": " << ChipStatusName(r.status) << " " << r.detail);
    return r;
  };

  SECTION("valid: ECDSA, RSA PKCS#1 v1.5, RSA-PSS; SHA-1, SHA-224, SHA-256, SHA-384, SHA-512") {
    auto de = verify("de-valid");
    INFO(de.detail);
    CHECK(de.status == ChipStatus::kValid);
    CHECK(de.hash_algorithm == "sha256");
    REQUIRE(de.data_groups.size() == 2);
    CHECK(de.data_groups[0].status == "valid");
    CHECK(de.data_groups[1].status == "valid");
    CHECK(de.dg1_mrz.substr(0, 5) == "P<D<<");
    CHECK(de.signer->country == "DE");
    for (const char* name :
         {"nl-valid", "fr-rsa", "fr-pss", "fr-sha1", "de-rdn-order", "de-nocerts"}) {
      auto r = verify(name);
      INFO(name << ": " << r.detail);
      CHECK(r.status == ChipStatus::kValid);
    }
    CHECK(verify("fr-pss").signature_algorithm == "rsassaPss");
    CHECK(verify("fr-sha1").hash_algorithm == "sha1");
    CHECK(verify("nl-sha224").hash_algorithm == "sha224");
    CHECK(verify("de-valid").signature_algorithm == "ecdsa-with-SHA256");
    CHECK(verify("fr-rsa").signature_algorithm == "rsaEncryption");
    CHECK(verify("nl-valid").hash_algorithm == "sha512");
  }
  SECTION("failures") {
    CHECK(verify("de-badsig").status == ChipStatus::kInvalidSignature);
    auto dg2 = verify("de-dg2-tampered");
    CHECK(dg2.status == ChipStatus::kHashMismatch);
    CHECK(dg2.data_groups[1].status == "hash_mismatch");
    auto dg3 = verify("de-dg3-injected");
    CHECK(dg3.status == ChipStatus::kDataGroupNotInSod);
    CHECK(dg3.data_groups.back().status == "not_in_sod");
    CHECK(verify("de-country").status == ChipStatus::kCountryMismatch);
    CHECK(verify("de-revoked").status == ChipStatus::kRevoked);
    CHECK(verify("xx-unknown-csca").status == ChipStatus::kUnknownCsca);
    CHECK(verify("de-valid", now + 30 * 365 * kDay).status == ChipStatus::kExpired);
  }
  SECTION("a signer neither in the SOD nor in the store") {
    TempDir bare;
    auto other = TrustStore::Open(bare.path());
    REQUIRE(other);
    Import(*other, "csca/de-old.pem");
    Import(*other, "csca/de-link.pem");
    auto r = VerifyChip(Chip("de-nocerts"), Anchors(bare.path()).get(), now);
    CHECK(r.status == ChipStatus::kUnknownCsca);
  }
  SECTION("EF.SOD without DG1: checked as far as it goes, never valid") {
    ChipData no_dg1 = Chip("de-valid");
    no_dg1.data_groups.erase(1);
    ChipVerification v = VerifyChip(no_dg1, anchors.get(), now);
    CHECK(v.status == ChipStatus::kDataGroupsNotRead);
    CHECK(v.signature == "valid");
    REQUIRE(v.signer.has_value());
    CHECK(v.signer->chain == ChainStatus::kValid);
    REQUIRE(v.data_groups.size() == 2);
    CHECK(v.data_groups[0].status == "not_read");  // DG1
    CHECK(v.data_groups[1].status == "valid");     // DG2, given
    CHECK(v.dg1_mrz.empty());
    // What is given is still compared: a tampered DG2 fails before DG1 is
    // missed; a bad signature fails first of all.
    ChipData tampered = Chip("de-dg2-tampered");
    tampered.data_groups.erase(1);
    CHECK(VerifyChip(tampered, anchors.get(), now).status == ChipStatus::kHashMismatch);
    ChipData bad = Chip("de-badsig");
    bad.data_groups.clear();
    CHECK(VerifyChip(bad, anchors.get(), now).status == ChipStatus::kInvalidSignature);
  }
  SECTION("EF.CardSecurity of a German ID card: signature, chain and countries") {
    ChipData card;
    card.sod = Bytes(kPki / "chips/de-card/card_security.bin");
    card.card_security = true;
    ChipVerification v = VerifyChip(card, anchors.get(), now);
    CHECK(v.status == ChipStatus::kValid);
    CHECK(v.kind == "ef_card_security");
    CHECK(v.signature == "valid");
    CHECK(v.data_groups.empty());
    ChipData bad = card;
    bad.sod = Bytes(kPki / "chips/de-card/card_security-badsig.bin");
    CHECK(VerifyChip(bad, anchors.get(), now).status == ChipStatus::kInvalidSignature);
    // An EF.SOD given as EF.CardSecurity (and the other way round) is not
    // taken for the other.
    ChipData sod_as_card = Chip("de-valid");
    sod_as_card.data_groups.clear();
    sod_as_card.card_security = true;
    CHECK(VerifyChip(sod_as_card, anchors.get(), now).status == ChipStatus::kMalformed);
    ChipData card_as_sod = card;
    card_as_sod.card_security = false;
    CHECK(VerifyChip(card_as_sod, anchors.get(), now).status == ChipStatus::kMalformed);
    // Data groups are EF.SOD's, not EF.CardSecurity's.
    ChipData with_dg = card;
    with_dg.data_groups[1] = Chip("de-valid").data_groups[1];
    CHECK(VerifyChip(with_dg, anchors.get(), now).status == ChipStatus::kMalformed);
  }
  SECTION("malformed input") {
    ChipData junk = Chip("de-valid");
    junk.sod.resize(junk.sod.size() / 2);
    CHECK(VerifyChip(junk, anchors.get(), now).status == ChipStatus::kMalformed);
    ChipData empty;
    CHECK(VerifyChip(empty, anchors.get(), now).status == ChipStatus::kMalformed);
  }
}

TEST_CASE("LDIF as the ICAO PKD publishes it: folded base64 values, comments, CRLF",
          "[trust][ldif]") {
  using internal::LdifBinaryValues;
  using internal::LooksLikeLdif;
  // "MIIB" is the start of a DER certificate; "AQID" is 01 02 03.
  const std::string ldif =
      "# a PKD download\r\nversion: 1\r\n\r\n"
      "dn: cn=a,c=UT\r\ncn: a\r\nuserCertificate;binary:: AQ\r\n ID\r\n\r\n"
      "# a comment\n folded too: userCertificate;binary:: ////\n"
      "dn: cn=b,c=UT\ndescription:: AQID\nCertificateRevocationList;Binary:: BAUG\n";
  CHECK(LooksLikeLdif(ldif));
  CHECK(LooksLikeLdif("dn: cn=x\n"));
  CHECK_FALSE(LooksLikeLdif("-----BEGIN CERTIFICATE-----\n"));
  CHECK_FALSE(LooksLikeLdif("\x30\x82\x01\x00"));
  auto values = LdifBinaryValues(ldif, {"usercertificate", "certificaterevocationlist"});
  REQUIRE(values.has_value());
  REQUIRE(values->size() == 2);  // the comment's value and `description` are not taken
  CHECK((*values)[0].attribute == "usercertificate");
  CHECK((*values)[0].bytes == std::vector<std::uint8_t>{1, 2, 3});
  CHECK((*values)[0].line == 6);
  CHECK((*values)[1].attribute == "certificaterevocationlist");
  CHECK((*values)[1].bytes == std::vector<std::uint8_t>{4, 5, 6});
  auto bad = LdifBinaryValues("dn: cn=x\nuserCertificate:: A*B=\n", {"usercertificate"});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "LDIF line 2: usercertificate is not base64");
}

TEST_CASE("the PKD's LDIF files import like the files they hold", "[trust][ldif]") {
  TempDir dir;
  auto store = TrustStore::Open(dir.path());
  REQUIRE(store.has_value());
  // A master list in LDIF verifies against a root like a .ml file; without
  // one, nothing of the file is imported.
  auto refused = store->Import(Bytes(kPki / "ldif/pkd-ml.ldif"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.rfind("LDIF line 6 (pkdmasterlistcontent): ", 0) == 0);
  CHECK(store->List()->empty());
  TrustImportOptions rooted;
  rooted.master_list_roots.push_back(Bytes(kPki / "csca/de-old.pem"));
  auto ml = store->Import(Bytes(kPki / "ldif/pkd-ml.ldif"), rooted);
  REQUIRE(ml.has_value());
  CHECK(ml->master_list);
  CHECK(ml->added.size() == 2);
  for (const auto& e : ml->added) CHECK(e.kind == TrustKind::kCsca);
  // Document signers and a CRL.
  auto dsc = store->Import(Bytes(kPki / "ldif/pkd-dsccrl.ldif"));
  REQUIRE(dsc.has_value());
  REQUIRE(dsc->added.size() == 3);
  CHECK(dsc->added[0].kind == TrustKind::kSigner);
  CHECK(dsc->added[1].kind == TrustKind::kSigner);
  CHECK(dsc->added[2].kind == TrustKind::kCrl);
  CHECK(store->Import(Bytes(kPki / "ldif/pkd-dsccrl.ldif"))->already_present == 3);
}

TEST_CASE("MRZ state codes to ISO alpha-2", "[chip]") {
  CHECK(Alpha2ForMrzCode("D<<") == "DE");
  CHECK(Alpha2ForMrzCode("NLD") == "NL");
  CHECK(Alpha2ForMrzCode("GBD") == "GB");
  CHECK(Alpha2ForMrzCode("UTO").empty());
  CHECK(Alpha2ForMrzCode("XXA").empty());
}

}  // namespace
}  // namespace tdv::sig

namespace tdv::sig {
namespace {

TEST_CASE("trust times: ISO 8601 UTC read back; a CRL past its next update is expired",
          "[sig][trust]") {
  CHECK(TrustTimeToUnix("1970-01-01T00:00:00Z") == 0);
  CHECK(TrustTimeToUnix("2026-12-04T03:36:24Z") == 1796355384);
  CHECK(TrustTimeToUnix("") == -1);
  CHECK(TrustTimeToUnix("2026-12-04") == -1);
  CHECK(TrustTimeToUnix("2026-1x-04T03:36:24Z") == -1);
  TrustEntry crl;
  crl.kind = TrustKind::kCrl;
  crl.not_after = "2026-12-04T03:36:24Z";
  CHECK_FALSE(CrlExpired(crl, 1796355384));
  CHECK(CrlExpired(crl, 1796355385));
  crl.not_after = "";  // no next update: never expires
  CHECK_FALSE(CrlExpired(crl, 1796355385));
  TrustEntry cert = crl;
  cert.kind = TrustKind::kCsca;
  cert.not_after = "2000-01-01T00:00:00Z";
  CHECK_FALSE(CrlExpired(cert, 1796355385));  // certificates are not CRLs
}

}  // namespace
}  // namespace tdv::sig
