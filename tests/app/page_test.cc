// SPDX-License-Identifier: Apache-2.0
// The officer's page in a real headless Chromium against a real `tdv serve`:
// sign in with an officer key, check a listed document typed at the
// keyboard only, check a committed sample image, a wrong key, a scan that
// arrives in the watched scanner folder, a visa section's file of
// applications checked in bulk. A screenshot
// of each result is written next to the test binary (page-*.png).
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "catch.h"
#include "process.h"
#include "specimens.h"
#include "webdriver.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::Background;
using tdv::testing::Browser;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;

ProcessResult Tdv(const TempDir& data, std::vector<std::string> args) {
  args.insert(args.begin(), TDV_BINARY);
  args.push_back("--data");
  args.push_back(data.path().string());
  return tdv::testing::Run(args, "");
}

void Save(const std::string& name, const std::string& png) {
  std::ofstream(std::string(TDV_BUILD_DIR) + "/tests/" + name, std::ios::binary) << png;
}

TEST_CASE("officer's page: sign in, keyboard-only check with a list hit, an image, a bad key",
          "[page]") {
  TempDir data;
  std::ofstream(data.path() / "sltd.csv")
      << "issuing_state,document_type,document_number,status,reporting_agency,date_reported\n"
         "UTO,I,D23145890,stolen,UTO-POLICE,2025-06-01\n";
  REQUIRE(Tdv(data, {"lists", "import", "--list", "uto-sltd", "--source", "UTO-POLICE",
                     (data.path() / "sltd.csv").string()})
              .exit_code == 0);
  ProcessResult made = Tdv(data, {"keys", "create", "--role", "officer"});
  REQUIRE(made.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(made.out, m, std::regex("tdv_[0-9a-f]+_[0-9a-f]+")));
  const std::string key = m.str();
  made = Tdv(data, {"keys", "create", "--role", "visa-section"});
  REQUIRE(made.exit_code == 0);
  REQUIRE(std::regex_search(made.out, m, std::regex("tdv_[0-9a-f]+_[0-9a-f]+")));
  const std::string visa_key = m.str();
  const auto scans = data.path() / "scans";
  std::filesystem::create_directory(scans);
  Background server({TDV_BINARY, "serve", "--data", data.path().string(), "--listen", "127.0.0.1:0",
                     "--watch", scans.string()},
                    data.path() / "serve.log");
  const int port = tdv::testing::ServePort(data.path() / "serve.log");
  REQUIRE(port > 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";

  // The page and its assets are served by TDV, nothing from elsewhere.
  httplib::Client plain("127.0.0.1", port);
  auto page = plain.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").rfind("text/html", 0) == 0);
  CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'none'") !=
        std::string::npos);
  CHECK(page->body.find("http://") == std::string::npos);
  CHECK(page->body.find("https://") == std::string::npos);
  CHECK(plain.Get("/app.js")->status == 200);
  CHECK(plain.Get("/app.css")->status == 200);
  // The scanner folder needs a key, and gives files of that folder only.
  CHECK(plain.Get("/v1/scans")->status == 401);
  const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
  CHECK(plain.Get("/v1/scans", auth)->status == 200);
  CHECK(plain.Get("/v1/scans?after=x", auth)->status == 422);
  CHECK(plain.Get("/v1/scans/..%2Fadmin.key", auth)->status == 404);
  CHECK(plain.Get("/v1/scans/missing.jpg", auth)->status == 404);

  Browser browser(data.path());
  browser.Open(url);
  REQUIRE(browser.WaitDisplayed("#signin"));
  // Every field has a label.
  CHECK(browser
            .Script("return [...document.querySelectorAll('input,textarea')].every("
                    "e => e.labels && e.labels.length > 0);")
            .get<bool>());

  SECTION("a wrong key is refused with a reason") {
    browser.Type("#key", "tdv_0000000000000000_00\n");
    for (int i = 0; i < 50 && browser.Text("#signin-error").empty(); ++i) usleep(100 * 1000);
    CHECK(browser.Text("#signin-error").find("unknown, wrong or revoked") != std::string::npos);
    CHECK_FALSE(browser.Displayed("#desk"));
  }

  SECTION("keyboard only: sign in, type the MRZ line by line, Enter checks; a list hit") {
    browser.Type("#key", key + "\n");
    REQUIRE(browser.WaitDisplayed("#desk"));
    // Focus is in the MRZ box; the specimen box is ticked with the space bar.
    CHECK(browser.Script("return document.activeElement.id;") == "mrz");
    browser.Type("#specimens", " ");
    // As a keyboard-wedge reader types it: each line, then Enter. Enter after
    // the first two lines starts a new line; after the third, it checks.
    browser.Type("#mrz", std::string(testing::kTd1Specimen) + "\n");
    REQUIRE(browser.WaitDisplayed("#result"));
    const std::string verdict = browser.Text("#verdict");
    CHECK(verdict.rfind("REJECT", 0) == 0);
    CHECK(browser.Text("#reasons").find("stolen") != std::string::npos);
    const std::string hit = browser.Text("#lists .hit");
    CHECK(hit.find("Listed: stolen") != std::string::npos);
    CHECK(hit.find("UTO-POLICE") != std::string::npos);
    CHECK(hit.find("2025-06-01") != std::string::npos);
    CHECK(browser.Text("#lists").find("uto-sltd (UTO-POLICE, 1 records") != std::string::npos);
    CHECK(browser.Text("[data-field=document_number]").find("D23145890 holds") !=
          std::string::npos);
    CHECK(browser.Text("[data-field=birth_date]").find("1974-08-12 (age") != std::string::npos);
    CHECK(browser.Text("#mrz-lines").find("ERIKSSON<<ANNA<MARIA") != std::string::npos);
    Save("page-keyboard.png", browser.Screenshot());
    // Escape clears for the next document; focus stays in the MRZ box.
    browser.Type("#mrz", "\xEE\x80\x8C");  // WebDriver's Escape key
    CHECK_FALSE(browser.Displayed("#result"));
    CHECK(browser.Script("return document.getElementById('mrz').value;") == "");
  }

  SECTION("an image: the verdict, the MRZ outlined, the fields read") {
    browser.Type("#key", key + "\n");
    REQUIRE(browser.WaitDisplayed("#desk"));
    const std::string images = std::string(TDV_SOURCE_DIR) + "/samples/images/";
    const json expected =
        json::parse(tdv::testing::ReadFile(images + "td3-moderate-001.expected.json"));
    browser.Type("#image", images + "td3-moderate-001.jpg");
    browser.Click("#check");
    REQUIRE(browser.WaitDisplayed("#result", 30));
    const std::string verdict = browser.Text("#verdict");
    CHECK((verdict.rfind("CLEAR", 0) == 0 || verdict.rfind("REVIEW", 0) == 0 ||
           verdict.rfind("REJECT", 0) == 0));
    CHECK(browser.Displayed("#figure"));
    CHECK(browser.Text("#figcaption").find("MRZ outlined") != std::string::npos);
    const std::string line2 = expected["mrz"][1].get<std::string>();
    CHECK(browser.Text("#mrz-lines").find(line2) != std::string::npos);
    CHECK(browser.Text("[data-field=document_number]").find(line2.substr(0, 5)) !=
          std::string::npos);
    Save("page-image.png", browser.Screenshot());
  }
  SECTION("the scanner folder: a scan written after sign-in is checked as it arrives") {
    // One there before: not news.
    const std::string images = std::string(TDV_SOURCE_DIR) + "/samples/images/";
    std::filesystem::copy_file(images + "nomrz-000.jpg", scans / "old.jpg");
    browser.Type("#key", key + "\n");
    REQUIRE(browser.WaitDisplayed("#watch"));
    // The scanner writes under another name, then renames (or just writes).
    std::filesystem::copy_file(images + "td1-clean-000.jpg", scans / "scan-0001.jpg.part");
    std::filesystem::rename(scans / "scan-0001.jpg.part", scans / "scan-0001.jpg");
    REQUIRE(browser.WaitDisplayed("#result", 30));
    CHECK(browser.Text("#scans") == "scan-0001.jpg");
    CHECK(browser.Text("#image-name") == "Image: scan-0001.jpg");
    CHECK(browser.Text("#mrz-lines").find("1007154X8709114SWE") != std::string::npos);
  }
  SECTION("bulk: a file of applications checked, rows needing attention first, the answers") {
    // A CSV as a visa section exports it: a clear card, a listed one (its
    // MRZ a quoted field over three lines), a row with no MRZ, a broken
    // check digit.
    const auto file = data.path() / "applications.csv";
    std::ofstream(file) << "id,mrz,passport_number\n"
                        << "A-1,\"" << testing::kTd1NoExpiry << "\",\n"
                        << "A-2,\"" << testing::kTd1Specimen << "\",\n"
                        << "A-3,,X1\n"
                        << "A-4,\"" << testing::kTd3BadCheck << "\",\n";
    const auto bad = data.path() / "misspelt.csv";
    std::ofstream(bad) << "id,mzr\nA-1,X\n";

    // An officer's key may check documents but not run bulk checks.
    browser.Type("#key", key + "\n");
    REQUIRE(browser.WaitDisplayed("#desk"));
    browser.Type("#bulk-file", file.string());
    CHECK(browser.Text("#bulk-status") == "4 rows to check.");
    browser.Click("#bulk-start");
    for (int i = 0; i < 100 && browser.Text("#bulk-problem").empty(); ++i) usleep(100 * 1000);
    CHECK(browser.Text("#bulk-problem").find("may not run bulk checks") != std::string::npos);
    browser.Click("#signout");

    browser.Type("#key", visa_key + "\n");
    REQUIRE(browser.WaitDisplayed("#desk"));
    // A misspelt column stops the file before anything is sent.
    browser.Type("#bulk-file", bad.string());
    CHECK(browser.Text("#bulk-problem").find("unknown column \"mzr\"") != std::string::npos);
    CHECK(browser.Script("return document.getElementById('bulk-start').disabled;").get<bool>());

    browser.Type("#specimens", " ");
    browser.Type("#bulk-file", file.string());
    browser.Click("#bulk-start");
    REQUIRE(browser.WaitDisplayed("#bulk-result", 30));
    CHECK(browser.Text("#bulk-problem").empty());
    CHECK(browser.Text("#bulk-summary") ==
          "4 rows: 1 clear, 0 review, 2 reject, 1 not checkable, 1 with list hits.");
    CHECK(browser.Text("#bulk-status").find("4 of 4 rows checked") == 0);
    // Rejected rows first, then the row that could not be checked; the
    // clear row only in the download.
    const json rows = browser.Script(
        "return [...document.querySelectorAll('#bulk-rows tbody tr')].map("
        "r => [...r.cells].map(c => c.textContent));");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0][0] == "5");  // a record's first line (A-1 takes lines 2-4)
    CHECK(rows[0][1] == "A-2");
    CHECK(rows[0][2] == "reject");
    CHECK(rows[0][3] == "UTO I D23145890");
    CHECK(rows[0][4].get<std::string>().find("document_listed") != std::string::npos);
    CHECK(rows[1][1] == "A-4");
    CHECK(rows[1][4].get<std::string>().find("mrz_invalid") != std::string::npos);
    CHECK(rows[2][1] == "A-3");
    CHECK(rows[2][2] == "error");
    CHECK(rows[2][4] == "the row has no mrz");
    Save("page-bulk.png", browser.Screenshot());
    // The downloads hold every row, in file order, like tdv bulk's answers.
    const std::string csv = browser.Script("return bulkCsv();").get<std::string>();
    CHECK(csv.rfind("id,line,verdict,reasons,format,", 0) == 0);
    CHECK(csv.find("\nA-1,2,clear,,TD1,I,MDA,123456789,MDA,1974-08-12,") != std::string::npos);
    CHECK(csv.find("\nA-2,5,reject,") != std::string::npos);
    CHECK(csv.find("exact uto-sltd stolen UTO-POLICE") != std::string::npos);
    CHECK(csv.find("\nA-3,8,,,,,,,,,,,the row has no mrz\n") != std::string::npos);
    const std::string jsonl = browser.Script("return bulkJsonl();").get<std::string>();
    std::vector<json> answers;
    std::istringstream in(jsonl);
    for (std::string l; std::getline(in, l);) answers.push_back(json::parse(l));
    REQUIRE(answers.size() == 5);
    CHECK(answers[0]["id"] == "A-1");
    CHECK(answers[0]["report"]["verdict"] == "clear");
    CHECK(answers[2]["error"]["detail"] == "the row has no mrz");
    CHECK(answers[4]["summary"]["rows"] == 4);
    CHECK(answers[4]["summary"]["complete"] == true);
    // Each row checked is in the audit trail under the visa section's key.
    const std::string key_id = visa_key.substr(4, visa_key.find('_', 4) - 4);
    const ProcessResult audit =
        Tdv(data, {"audit", "show", "--key", key_id, "--action", "verify", "--json"});
    REQUIRE(audit.exit_code == 0);
    CHECK(json::parse(audit.out)["entries"].size() == 3);
  }
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
}

// The key `tdv keys create --role ROLE` printed.
std::string NewKey(const TempDir& data, const std::string& role) {
  ProcessResult made = Tdv(data, {"keys", "create", "--role", role});
  REQUIRE(made.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(made.out, m, std::regex("tdv_[0-9a-f]+_[0-9a-f]+")));
  return m.str();
}

TEST_CASE("officer's page: a hit on a partner agency's feed, with what the partner shares",
          "[page]") {
  // Agency A shares its list as a signed feed with status and dates
  // (feed_details); agency B's officer checks the listed document.
  TempDir a, b;
  const std::filesystem::path tls = std::filesystem::path(TDV_TEST_PKI_DIR) / "tls";
  std::ofstream(a.path() / "sltd.csv")
      << "issuing_state,document_type,document_number,status,date_reported,reporting_agency\n"
         "UTO,I,D23145890,stolen,2025-06-01,UTO-POLICE-7\n";
  REQUIRE(Tdv(a, {"lists", "import", "--list", "sltd", "--source", "UTO-POLICE",
                  (a.path() / "sltd.csv").string()})
              .exit_code == 0);
  std::ofstream(a.path() / "config.json") << json{
      {"exchange_lists", {"sltd"}},
      {"feed_signer_cert", (tls / "feed-a.pem").string()},
      {"feed_signer_key", (tls / "feed-a.key").string()},
      {"feed_details", true}}.dump();
  const std::string for_b = NewKey(a, "partner");
  ProcessResult fk = Tdv(a, {"exchange", "feed-key", for_b.substr(4, 16)});
  REQUIRE(fk.exit_code == 0);
  std::ofstream(b.path() / "a.feed-key") << fk.out;
  std::ofstream(b.path() / "a.key") << for_b << "\n";
  tdv::testing::Serving agency_a(TDV_BINARY, a.path());
  REQUIRE(agency_a.port > 0);
  std::ofstream(b.path() / "config.json")
      << json{{"partners",
               {{{"name", "agency-a"},
                 {"url", "http://127.0.0.1:" + std::to_string(agency_a.port)},
                 {"key_file", (b.path() / "a.key").string()},
                 {"feed",
                  {{"list", "sltd"},
                   {"key_file", (b.path() / "a.feed-key").string()},
                   {"signer", (tls / "ca.pem").string()}}}}}}}
             .dump();
  const std::string key = NewKey(b, "officer");
  Background server({TDV_BINARY, "serve", "--data", b.path().string(), "--listen", "127.0.0.1:0"},
                    b.path() / "serve.log");
  const int port = tdv::testing::ServePort(b.path() / "serve.log");
  REQUIRE(port > 0);
  // B's server takes the feed at start, on a thread of its own.
  const std::string feeds = (b.path() / "feeds" / "agency-a.index").string();
  for (int i = 0; i < 100 && !std::filesystem::exists(feeds); ++i) usleep(100 * 1000);
  REQUIRE(std::filesystem::exists(feeds));

  Browser browser(b.path());
  browser.Open("http://127.0.0.1:" + std::to_string(port) + "/");
  REQUIRE(browser.WaitDisplayed("#signin"));
  browser.Type("#key", key + "\n");
  REQUIRE(browser.WaitDisplayed("#desk"));
  browser.Type("#specimens", " ");
  browser.Type("#mrz", std::string(testing::kTd1Specimen) + "\n");
  REQUIRE(browser.WaitDisplayed("#result"));
  CHECK(
      browser.Text("#reasons").find("partner agency-a's list 'sltd': ask the partner to confirm") !=
      std::string::npos);
  const std::string hit = browser.Text("#partners .hit");
  INFO(hit);
  CHECK(hit.find("On partner agency-a's list sltd") != std::string::npos);
  CHECK(hit.find("quoting sltd:") != std::string::npos);
  CHECK(hit.find("The partner's record: I stolen, reported 2025-06-01") != std::string::npos);
  CHECK(hit.find("UTO-POLICE") == std::string::npos);  // the agency stays at A
  CHECK(browser.Text("#lists").find("No list is loaded") != std::string::npos);
  Save("page-partner.png", browser.Screenshot());
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
}

}  // namespace
}  // namespace tdv::app
