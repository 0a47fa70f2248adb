// SPDX-License-Identifier: Apache-2.0
// The officer's page in a real headless Chromium against a real `tdv serve`:
// sign in with an officer key, check a listed document typed at the
// keyboard only, check a committed sample image, a wrong key, a scan that
// arrives in the watched scanner folder. A screenshot
// of each result is written next to the test binary (page-*.png).
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

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
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
}

}  // namespace
}  // namespace tdv::app
