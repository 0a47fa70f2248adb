// SPDX-License-Identifier: Apache-2.0
// `tdv trust` and `tdv check --seal/--chip/IMAGE` as a real process, with the
// test PKI from tools/testpki (ctest fixture `testpki`).
#include <httplib.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catch.h"
#include "process.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;
namespace fs = std::filesystem;

const std::string kPki = TDV_TEST_PKI_DIR;

ProcessResult Tdv(std::vector<std::string> args) {
  args.insert(args.begin(), TDV_BINARY);
  return tdv::testing::Run(args);
}

// A trust store like a border agency's (see tests/sig/trust_test.cc).
void FillTrust(const std::string& d) {
  ProcessResult r =
      Tdv({"trust", "import", "--data", d, kPki + "/csca/de-old.pem", kPki + "/csca/de-link.pem",
           kPki + "/crl/de-new.pem", kPki + "/signer/seal-dets.pem", kPki + "/signer/seal-nlab.pem",
           kPki + "/signer/seal-derv.pem"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  r = Tdv({"trust", "import", "--data", d, "--root", kPki + "/csca/de-old.pem",
           kPki + "/ml/masterlist.ml"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("master list verified; added 2") != std::string::npos);
}

TEST_CASE("tdv trust import: --root and the files in every natural order", "[cli][trust]") {
  const std::string root = kPki + "/csca/de-old.pem", ml = kPki + "/ml/masterlist.ml";
  const std::vector<std::vector<std::string>> orders = {
      {"--root", root, ml, "--json"},
      {ml, "--root", root, "--json"},
      {"--json", "--root", root, ml},
      {"--root=" + root, ml, "--json"},
      {"--root", root, "--root", kPki + "/csca/nl.pem", ml, "--json"},
  };
  for (const auto& order : orders) {
    TempDir data;
    std::vector<std::string> args = {"trust", "import", "--data", data.path().string()};
    args.insert(args.end(), order.begin(), order.end());
    ProcessResult r = Tdv(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    REQUIRE(j.size() == 1);  // one file: the master list
    CHECK(j[0]["added"].size() == 2);
  }
}

TEST_CASE("tdv trust import, list, remove", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  FillTrust(d);
  ProcessResult list = Tdv({"trust", "list", "--data", d, "--json"});
  REQUIRE(list.exit_code == 0);
  json j = json::parse(list.out);
  REQUIRE(j["entries"].size() == 8);
  std::string link_id;
  int cscas = 0, crls = 0;
  for (const auto& e : j["entries"]) {
    cscas += e["kind"] == "csca";
    crls += e["kind"] == "crl";
    if (e["kind"] == "csca" && e["self_signed"] == false) link_id = e["id"];
    if (e["kind"] == "crl") {
      // A CRL says whether it is past its next update, and how old it is.
      CHECK(e["expired"] == false);
      CHECK(e["age_seconds"].get<std::int64_t>() >= 0);
      CHECK(e["age_seconds"].get<std::int64_t>() < 86400 * 30);
    }
  }
  CHECK(cscas == 4);
  CHECK(crls == 1);
  REQUIRE_FALSE(link_id.empty());

  // A master list that does not verify is refused (exit 1), nothing added.
  ProcessResult forged =
      Tdv({"trust", "import", "--data", d, kPki + "/ml/masterlist-untrusted.ml"});
  CHECK(forged.exit_code == 1);
  CHECK(forged.err.find("does not verify") != std::string::npos);
  // Unreadable input: exit 2.
  CHECK(Tdv({"trust", "import", "--data", d, kPki + "/seals/visa-dets.vds"}).exit_code == 2);
  CHECK(Tdv({"trust", "import", "--data", d, kPki + "/nonexistent.pem"}).exit_code == 2);

  ProcessResult removed = Tdv({"trust", "remove", "--data", d, link_id.substr(0, 8)});
  CHECK(removed.exit_code == 0);
  CHECK(removed.out.find("link certificate") != std::string::npos);
  CHECK(Tdv({"trust", "remove", "--data", d, link_id}).exit_code == 2);
  // Without the link certificate, DE's new CSCA is no longer trusted.
  const std::string mrz = tdv::testing::ReadFile(kPki + "/seals/visa-dets.mrz");
  ProcessResult seal =
      Tdv({"check", "--data", d, "--json", "--mrz", mrz, "--seal", kPki + "/seals/visa-dets.vds"});
  CHECK(seal.exit_code == 1);
  CHECK(json::parse(seal.out)["seal"]["status"] == "untrusted");
}

TEST_CASE("tdv check --seal: verdicts and the seal report", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  FillTrust(d);
  const std::string mrz = tdv::testing::ReadFile(kPki + "/seals/visa-dets.mrz");

  ProcessResult ok = Tdv({"check", "--data", d, "--json", "--mrz", mrz, "--seal",
                          kPki + "/seals/visa-dets.vds", "--passport-number", "UP1234567"});
  INFO(ok.err << ok.out);
  CHECK(ok.exit_code == 0);
  json j = json::parse(ok.out);
  CHECK(j["verdict"] == "clear");
  CHECK(j["seal"]["status"] == "valid");
  CHECK(j["seal"]["profile"] == "visa");
  CHECK(j["seal"]["mrz_match"] == true);
  CHECK(j["seal"]["passport_match"] == true);
  CHECK(j["seal"]["signer"]["chain"] == "valid");
  CHECK(j["seal"]["header"]["signer_id"] == "DETS");

  // The same seal with another passport, or another document's MRZ.
  ProcessResult other = Tdv({"check", "--data", d, "--json", "--mrz", mrz, "--seal",
                             kPki + "/seals/visa-dets.vds", "--passport-number", "UP7654321"});
  CHECK(other.exit_code == 1);
  CHECK(json::parse(other.out)["seal"]["passport_match"] == false);
  const std::string rp_mrz = tdv::testing::ReadFile(kPki + "/seals/rp-dett-v3.mrz");
  ProcessResult swapped = Tdv(
      {"check", "--data", d, "--json", "--mrz", rp_mrz, "--seal", kPki + "/seals/visa-dets.vds"});
  CHECK(swapped.exit_code == 1);
  json s = json::parse(swapped.out);
  CHECK(s["verdict"] == "reject");
  CHECK(s["seal"]["mrz_match"] == false);

  struct Case {
    const char* seal;
    const char* status;
    const char* verdict;
    const char* signature;  // the signature alone, apart from the chain
  };
  for (Case c : {Case{"visa-tampered", "invalid_signature", "reject", "invalid"},
                 Case{"visa-revoked", "revoked", "reject", "valid"},
                 Case{"visa-unknown-signer", "unknown_signer", "review", "not_checked"},
                 Case{"visa-unsigned", "unsigned", "review", "not_checked"},
                 Case{"visa-truncated", "malformed", "reject", "not_checked"}}) {
    INFO(c.seal);
    ProcessResult r = Tdv({"check", "--data", d, "--json", "--mrz", mrz, "--seal",
                           kPki + "/seals/" + c.seal + ".vds"});
    CHECK(r.exit_code == 1);
    json rj = json::parse(r.out);
    CHECK(rj["seal"]["status"] == c.status);
    CHECK(rj["verdict"] == c.verdict);
    CHECK(rj["seal"]["signature"] == c.signature);
  }
  // The P-224 residence permit signer was not imported: unknown, so review.
  ProcessResult unknown = Tdv(
      {"check", "--data", d, "--json", "--mrz", rp_mrz, "--seal", kPki + "/seals/rp-dett-v3.vds"});
  CHECK(json::parse(unknown.out)["seal"]["status"] == "unknown_signer");
  CHECK(Tdv({"check", "--data", d, "--mrz", mrz, "--seal", kPki + "/nope.vds"}).exit_code == 2);
}

TEST_CASE("tdv check --seal alone: the seal is the document's proof", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  FillTrust(d);
  // A visa seal alone: its MRZ is checked, line 2 filled out after 28.
  ProcessResult visa =
      Tdv({"check", "--data", d, "--json", "--seal", kPki + "/seals/visa-dets.vds"});
  INFO(visa.err << visa.out);
  CHECK(visa.exit_code == 0);
  json v = json::parse(visa.out);
  CHECK(v["verdict"] == "clear");
  CHECK(v["mrz_source"] == "seal");
  CHECK(v["mrz"]["format"] == "MRVA");
  CHECK(v["mrz"]["fields"]["document_number"] == "VX1234567");
  CHECK(v["notes"].back()["code"] == "mrz_from_seal");
  CHECK(v["seal"]["status"] == "valid");
  CHECK(v["seal"]["mrz_match"].is_null());  // nothing printed to compare with
  // A residence permit's MRZ comes whole; its signer was not imported.
  json rp = json::parse(
      Tdv({"check", "--data", d, "--json", "--seal", kPki + "/seals/rp-dett-v3.vds"}).out);
  CHECK(rp["mrz_source"] == "seal");
  CHECK(rp["mrz"]["lines"][0] ==
        tdv::testing::ReadFile(kPki + "/seals/rp-dett-v3.mrz").substr(0, 36));
  CHECK(rp["seal"]["status"] == "unknown_signer");
  CHECK(rp["verdict"] == "review");
  // A social insurance card's seal carries no MRZ: judged by its signature.
  ProcessResult sic = Tdv({"check", "--data", d, "--seal", kPki + "/seals/sic-dets.vds"});
  CHECK(sic.exit_code == 0);
  CHECK(sic.out.find("verdict: clear") != std::string::npos);
  CHECK(sic.out.find("MRZ: none given") != std::string::npos);
  CHECK(sic.out.find("first_name            J\xc3\x96RG") != std::string::npos);
  // A genuine seal whose MRZ is no MRZ (two lines of 25): the MRZ it
  // certifies is invalid, so the document is rejected, saying why.
  json odd = json::parse(
      Tdv({"check", "--data", d, "--json", "--seal", kPki + "/seals/etd-oddmrz-dets.vds"}).out);
  CHECK(odd["mrz_source"] == "seal");
  CHECK(odd["seal"]["status"] == "valid");
  CHECK(odd["verdict"] == "reject");
  CHECK(odd["reasons"][0]["code"] == "mrz_invalid");
  CHECK(odd["checks"][0]["detail"].get<std::string>().rfind("line 1 has 25 characters", 0) == 0);
  // Broken or forged seals alone are rejected, never passed.
  for (const char* name : {"visa-tampered", "visa-truncated", "visa-badsig"}) {
    INFO(name);
    ProcessResult r =
        Tdv({"check", "--data", d, "--json", "--seal", kPki + "/seals/" + name + ".vds"});
    CHECK(r.exit_code == 1);
    CHECK(json::parse(r.out)["verdict"] == "reject");
  }
  ProcessResult empty = Tdv({"check", "--data", d, "--seal", "/dev/null"});
  CHECK(empty.exit_code == 2);
}

TEST_CASE("tdv trust import takes the PKD's LDIF downloads", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  ProcessResult ml = Tdv({"trust", "import", "--data", d, "--root", kPki + "/csca/de-old.pem",
                          kPki + "/ldif/pkd-ml.ldif", "--json"});
  INFO(ml.err);
  REQUIRE(ml.exit_code == 0);
  json j = json::parse(ml.out);
  CHECK(j[0]["master_list"] == true);
  CHECK(j[0]["added"].size() == 2);
  ProcessResult dsc = Tdv({"trust", "import", "--data", d, kPki + "/ldif/pkd-dsccrl.ldif"});
  CHECK(dsc.exit_code == 0);
  CHECK(dsc.out.find("added 3") != std::string::npos);
  // The NL chip verifies with what the two files brought (its CSCA from the
  // master list, the CRL from the other file).
  const std::string chip = kPki + "/chips/nl-valid";
  ProcessResult r = Tdv({"check", "--data", d, "--json", "--chip", chip + "/sod.bin", "--dg",
                         "1=" + chip + "/dg1.bin", "--dg", "2=" + chip + "/dg2.bin"});
  json rj = json::parse(r.out);
  CHECK(rj["chip"]["status"] == "valid");
  CHECK(rj["chip"]["signer"]["crl"] == "checked");
}

TEST_CASE("tdv bulk: a visa section's file of seals alone", "[cli][trust][bulk]") {
  TempDir data;
  const std::string d = data.path().string();
  FillTrust(d);
  const fs::path in = data.path() / "seals.csv";
  {
    std::ofstream f(in);
    f << "id,seal\n"
      << "visa," << kPki << "/seals/visa-dets.vds\n"
      << "card," << kPki << "/seals/sic-dets.vds\n"
      << "forged," << kPki << "/seals/visa-tampered.vds\n"
      << "blank,\n";
  }
  ProcessResult r =
      Tdv({"bulk", "--data", d, in.string(), "--format", "csv", "--progress", "none"});
  INFO(r.err << r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("visa,2,clear,,MRVA,V,D,VX1234567,") != std::string::npos);
  CHECK(r.out.find("card,3,clear,,,") != std::string::npos);
  CHECK(r.out.find("forged,4,reject,seal_invalid_signature,") != std::string::npos);
  CHECK(r.out.find("blank,5,,,") != std::string::npos);
  CHECK(r.out.find("the row has no mrz, image or seal") != std::string::npos);
}

TEST_CASE("tdv check IMAGE finds the seal printed on the visa", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  FillTrust(d);
  ProcessResult r = Tdv({"check", "--data", d, "--json", kPki + "/images/visa-sample-seal.jpg"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["mrz_source"] == "image");
  CHECK(j["seal"]["source"] == "image");
  CHECK(j["seal"]["status"] == "valid");
  CHECK(j["seal"]["mrz_match"] == true);
  CHECK(j["seal"]["polygon"].size() == 4);
}

TEST_CASE("tdv check --chip: passive authentication", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  FillTrust(d);
  auto chip = [&](const std::string& name, std::vector<std::string> extra = {}) {
    const std::string dir = kPki + "/chips/" + name;
    std::vector<std::string> args = {"check", "--data", d, "--json", "--chip", dir + "/sod.bin"};
    for (int n = 1; n <= 3; ++n) {
      const std::string f = dir + "/dg" + std::to_string(n) + ".bin";
      if (fs::exists(f)) {
        args.push_back("--dg");
        args.push_back(std::to_string(n) + "=" + f);
      }
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return Tdv(args);
  };
  const std::string printed = tdv::testing::ReadFile(kPki + "/chips/de-valid/printed.mrz");

  ProcessResult dg1_only = chip("de-valid");
  INFO(dg1_only.err);
  CHECK(dg1_only.exit_code == 0);
  json j = json::parse(dg1_only.out);
  CHECK(j["mrz_source"] == "chip");
  CHECK(j["chip"]["status"] == "valid");
  CHECK(j["chip"]["mrz_match"].is_null());
  CHECK(j["mrz"]["fields"]["issuing_state"] == "D");

  ProcessResult with_mrz = chip("de-valid", {"--mrz", printed});
  CHECK(with_mrz.exit_code == 0);
  CHECK(json::parse(with_mrz.out)["chip"]["mrz_match"] == true);
  // The chip of one passport with the printed page of another.
  const std::string other = tdv::testing::ReadFile(kPki + "/chips/nl-valid/printed.mrz");
  ProcessResult mismatch = chip("de-valid", {"--mrz", other});
  CHECK(mismatch.exit_code == 1);
  CHECK(json::parse(mismatch.out)["chip"]["mrz_match"] == false);

  CHECK(json::parse(chip("de-dg2-tampered").out)["chip"]["status"] == "hash_mismatch");
  CHECK(json::parse(chip("de-country").out)["chip"]["status"] == "country_mismatch");
  // Signer and CSCA write the country in lower case (C=gb, as British
  // certificates of 2011 do): the same country as GBR.
  REQUIRE(Tdv({"trust", "import", "--data", d, kPki + "/csca/gb.pem"}).exit_code == 0);
  ProcessResult gb = chip("gb-lowercase");
  INFO(gb.out);
  CHECK(json::parse(gb.out)["chip"]["status"] == "valid");
  CHECK(json::parse(gb.out)["chip"]["signer"]["country"] == "gb");
  json unknown = json::parse(chip("xx-unknown-csca").out);
  CHECK(unknown["chip"]["status"] == "unknown_csca");
  CHECK(unknown["verdict"] == "review");
  // The chain could not be completed, but the signature itself holds; a
  // flipped byte does not.
  CHECK(unknown["chip"]["signature"] == "valid");
  CHECK(json::parse(chip("de-badsig").out)["chip"]["signature"] == "invalid");
  CHECK(json::parse(chip("de-valid").out)["chip"]["signature"] == "valid");

  // EF.SOD alone: its signature and chain are checked, the data groups are
  // not read, and the verdict is review.
  ProcessResult sod =
      Tdv({"check", "--data", d, "--json", "--chip", kPki + "/chips/de-valid/sod.bin"});
  CHECK(sod.exit_code == 1);
  json sj = json::parse(sod.out);
  CHECK(sj["verdict"] == "review");
  CHECK(sj["mrz"].is_null());
  CHECK(sj["chip"]["status"] == "data_groups_not_read");
  CHECK(sj["chip"]["signature"] == "valid");
  ProcessResult sod_text = Tdv({"check", "--data", d, "--chip", kPki + "/chips/de-valid/sod.bin"});
  CHECK(sod_text.out.find("MRZ: none given") != std::string::npos);
  CHECK(sod_text.out.find("DG1                   not_read") != std::string::npos);
  CHECK(Tdv({"check", "--data", d, "--chip", kPki + "/chips/de-valid/sod.bin", "--dg", "x=y"})
            .exit_code == 2);

  // A German ID card's EF.CardSecurity: with the printed MRZ clear; alone
  // review (it names no holder); forged reject; never with data groups.
  const std::string card = kPki + "/chips/de-card/card_security.bin";
  ProcessResult card_mrz =
      Tdv({"check", "--data", d, "--json", "--card-security", card, "--mrz", printed});
  CHECK(card_mrz.exit_code == 0);
  json cj = json::parse(card_mrz.out);
  CHECK(cj["chip"]["kind"] == "ef_card_security");
  CHECK(cj["chip"]["status"] == "valid");
  ProcessResult card_alone = Tdv({"check", "--data", d, "--json", "--card-security", card});
  CHECK(card_alone.exit_code == 1);
  json aj = json::parse(card_alone.out);
  CHECK(aj["verdict"] == "review");
  CHECK(aj["reasons"][0]["code"] == "mrz_not_given");
  ProcessResult forged = Tdv({"check", "--data", d, "--json", "--card-security",
                              kPki + "/chips/de-card/card_security-badsig.bin", "--mrz", printed});
  CHECK(json::parse(forged.out)["verdict"] == "reject");
  CHECK(Tdv({"check", "--data", d, "--card-security", card, "--dg",
             "1=" + kPki + "/chips/de-valid/dg1.bin"})
            .exit_code == 2);
}

}  // namespace
}  // namespace tdv::app

namespace tdv::app {
namespace {

// The committed samples (samples/signatures, tools/testpki/make_samples.sh)
// verify with the committed sample trust store, as `dev.sh serve` sets it up.
TEST_CASE("the committed signature samples verify", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  const std::string s = std::string(TDV_SOURCE_DIR) + "/samples/signatures/";
  std::vector<std::string> import = {"trust", "import", "--data", d};
  for (const char* f : {"de-old.pem", "de-link.pem", "crl-de-new.pem", "seal-dets.pem",
                        "seal-nlab.pem", "ds-de.pem"}) {
    import.push_back(s + "trust/" + f);
  }
  REQUIRE(Tdv(import).exit_code == 0);
  REQUIRE(Tdv({"trust", "import", "--data", d, "--root", s + "trust/de-old.pem",
               s + "trust/masterlist.ml"})
              .exit_code == 0);

  ProcessResult visa = Tdv({"check", "--data", d, "--json", s + "visa-seal.jpg"});
  INFO(visa.err);
  CHECK(visa.exit_code == 0);
  CHECK(json::parse(visa.out)["seal"]["status"] == "valid");

  const std::string mrz = tdv::testing::ReadFile(s + "visa-dets.mrz");
  ProcessResult seal =
      Tdv({"check", "--data", d, "--json", "--mrz", mrz, "--seal", s + "visa-dets.vds"});
  CHECK(seal.exit_code == 0);

  ProcessResult chip =
      Tdv({"check", "--data", d, "--json", "--mrz",
           tdv::testing::ReadFile(s + "chip-de/printed.mrz"), "--chip", s + "chip-de/sod.bin",
           "--dg", "1=" + s + "chip-de/dg1.bin", "--dg", "2=" + s + "chip-de/dg2.bin"});
  CHECK(chip.exit_code == 0);
  json j = json::parse(chip.out);
  CHECK(j["chip"]["status"] == "valid");
  CHECK(j["chip"]["mrz_match"] == true);
}

}  // namespace
}  // namespace tdv::app

namespace tdv::app {
namespace {

std::string B64(const std::string& bytes) { return tdv::testing::Base64(bytes); }

TEST_CASE("tdv serve picks up a trust store import without restart", "[cli][trust]") {
  TempDir data;
  const std::string d = data.path().string();
  std::ofstream(data.path() / "config.json")
      << R"({"lists_refresh_seconds": 1, "access_log": false})";
  tdv::testing::Background server({TDV_BINARY, "serve", "--data", d, "--listen", "127.0.0.1:0"},
                                  data.path() / "serve.log");
  REQUIRE(server.started());
  const int port = tdv::testing::ServePort(data.path() / "serve.log");
  REQUIRE(port != 0);
  httplib::Client client("127.0.0.1", port);
  client.set_bearer_token_auth(tdv::testing::AdminKey(data.path()));
  const json body = {{"mrz", tdv::testing::ReadFile(kPki + "/seals/visa-dets.mrz")},
                     {"seal", B64(tdv::testing::ReadFile(kPki + "/seals/visa-dets.vds"))}};
  auto status = [&] {
    auto res = client.Post("/v1/verify", body.dump(), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return json::parse(res->body)["seal"]["status"].get<std::string>();
  };
  CHECK(status() == "unknown_signer");
  FillTrust(d);
  CHECK(tdv::testing::PollFor("valid", status) == "valid");
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
}

}  // namespace
}  // namespace tdv::app
