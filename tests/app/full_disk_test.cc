// SPDX-License-Identifier: Apache-2.0
// A full file system under the data directory, for real: a small tmpfs the
// test mounts (the test command runs as root), fills to the last page and
// frees again, while `tdv` imports a list, answers checks with its audit
// trail on it, or imports trust anchors. What must hold: a clear error,
// the previous state intact and still served, nothing half-written, and all
// well again once space returns.
#include <httplib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catch.h"
#include "process.h"
#include "specimens.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;
namespace fs = std::filesystem;

ProcessResult Tdv(std::vector<std::string> args) {
  args.insert(args.begin(), TDV_BINARY);
  return tdv::testing::Run(args);
}

// A tmpfs of `bytes` mounted on a fresh directory, unmounted at the end.
class SmallFs {
 public:
  explicit SmallFs(std::size_t bytes, const fs::path& at = {})
      : at_(at.empty() ? dir_.path() : at) {
    fs::create_directories(at_);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    if (mount("tdv-test", at_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      FAIL("cannot mount a tmpfs on " << at_ << " (" << std::strerror(errno)
                                      << "): the full-disk tests run as root");
    }
  }
  ~SmallFs() { umount2(at_.c_str(), MNT_DETACH); }
  SmallFs(const SmallFs&) = delete;
  SmallFs& operator=(const SmallFs&) = delete;

  const fs::path& path() const { return at_; }
  // Fills the file system to its last page, then gives back `spare` bytes.
  void Fill(std::size_t spare = 0) {
    const fs::path filler = at_ / ".filler";
    std::FILE* f = std::fopen(filler.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::setvbuf(f, nullptr, _IONBF, 0);
    const std::vector<char> page(4096, 'x');
    while (std::fwrite(page.data(), 1, page.size(), f) == page.size()) {
    }
    std::fclose(f);
    const auto size = fs::file_size(filler);
    REQUIRE(size > spare);
    fs::resize_file(filler, size - spare - size % 4096);
  }
  void Free() { fs::remove(at_ / ".filler"); }

 private:
  TempDir dir_;
  fs::path at_;
};

const char* kCsv =
    "issuing_state,document_type,document_number,status\n"
    "UTO,P,L898902C3,stolen\n"
    "UTO,I,D23145890,lost\n";

TEST_CASE("a full disk during a list import: exit 5, the previous version whole, then all well",
          "[cli][faults]") {
  SmallFs disk(64 << 20);
  TempDir outside;
  const std::string data = (disk.path() / "data").string();
  const std::string v1 = (outside.path() / "v1.csv").string();
  std::ofstream(v1) << kCsv;
  REQUIRE(Tdv({"lists", "import", "--data", data, "--list", "l", "--source", "S", v1}).exit_code ==
          0);
  std::string big = "issuing_state,document_type,document_number,status\n";
  for (int i = 0; i < 200000; ++i) big += "FRA,P,X" + std::to_string(10000000 + i) + ",lost\n";
  const std::string v2 = (outside.path() / "v2.csv").string();
  std::ofstream(v2) << big;

  disk.Fill();
  ProcessResult r = Tdv({"lists", "import", "--data", data, "--list", "l", "--source", "S", v2});
  INFO(r.err);
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  // Space back: the previous version is there, whole, and nothing of the
  // failed one.
  disk.Free();
  r = Tdv({"lists", "stats", "--data", data, "--json"});
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["lists"][0]["version"] == 1);
  CHECK(j["lists"][0]["records"] == 2);
  r = Tdv({"lists", "export", "--data", data, "--list", "l", "--format", "csv", "-"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out ==
        "issuing_state,document_type,document_number,status,reporting_agency,date_reported,"
        "expiry_date,review_date,national_reference,reason\n"
        "UTO,P,L898902C3,stolen,,,,,,\n"
        "UTO,I,D23145890,lost,,,,,,\n");
  r = Tdv({"check", "--data", data, "--allow-specimens", "--as-of", "2011-06-01", "--json", "--mrz",
           testing::kTd3Specimen});
  CHECK(json::parse(r.out)["lists"]["hits"][0]["record"]["document_number"] == "L898902C3");

  r = Tdv({"lists", "import", "--data", data, "--list", "l", "--source", "S", v2});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("version 2: 200000 records") != std::string::npos);
}

TEST_CASE("a full disk under tdv serve: checks refused with 503, none unrecorded, chain intact",
          "[cli][faults]") {
  SmallFs disk(16 << 20);
  const fs::path data = disk.path() / "data";
  fs::create_directories(data);
  int answered = 0, refused = 0;
  {
    tdv::testing::Serving serving(TDV_BINARY, data);
    REQUIRE(serving.port != 0);
    httplib::Client client("127.0.0.1", serving.port);
    const httplib::Headers auth{{"Authorization", "Bearer " + tdv::testing::AdminKey(data)}};
    const std::string body = json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();
    const auto post = [&] {
      auto res = client.Post("/v1/verify", auth, body, "application/json");
      REQUIRE(res);
      if (res->status == 200) {
        ++answered;
      } else {
        CHECK(res->status == 503);
        CHECK(res->get_header_value("Content-Type") == "application/problem+json");
        CHECK(res->body.find("cannot be recorded") != std::string::npos);
        ++refused;
      }
      return res->status;
    };
    REQUIRE(post() == 200);
    disk.Fill();
    // The trail's files may have room left in pages they hold: checks go on
    // until one needs a new page, and from then on are refused.
    for (int i = 0; i < 2000 && refused < 5; ++i) post();
    CHECK(refused == 5);
    disk.Free();
    int status = 0;
    for (int i = 0; i < 50 && status != 200; ++i) {
      status = post();
      if (status != 200) usleep(100 * 1000);
    }
    CHECK(status == 200);
    CHECK(
        tdv::testing::ReadFile(serving.log).find("error: audit trail: database or disk is full") !=
        std::string::npos);
    serving.process.Signal(SIGTERM);
    CHECK(serving.process.Wait(10000) == 0);
  }
  ProcessResult r = Tdv({"audit", "verify", "--data", data.string(), "--json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["intact"] == true);
  // Every answer the client had has its entry; no refused check has one.
  r = Tdv({"audit", "show", "--data", data.string(), "--action", "verify", "--limit", "100000",
           "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["entries"].size() == static_cast<std::size_t>(answered));
}

TEST_CASE("a full trust store: a master list is imported whole or not at all", "[cli][faults]") {
  TempDir data;
  const std::string d = data.path().string(), pki = TDV_TEST_PKI_DIR;
  // The CSCA directory alone on a small file system: the trail has room,
  // the anchors do not.
  SmallFs disk(64 << 10, data.path() / "trust" / "csca");
  disk.Fill(4096);  // room for one certificate, not two
  ProcessResult r = Tdv({"trust", "import", "--data", d, "--root", pki + "/csca/de-old.pem",
                         pki + "/ml/masterlist.ml"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  // Nothing of it stayed, not even a temporary file.
  for (const auto& f : fs::directory_iterator(disk.path())) CHECK(f.path().filename() == ".filler");
  r = Tdv({"trust", "list", "--data", d, "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["entries"].empty());

  disk.Free();
  r = Tdv({"trust", "import", "--data", d, "--root", pki + "/csca/de-old.pem",
           pki + "/ml/masterlist.ml"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("master list verified; added 2") != std::string::npos);
}

}  // namespace
}  // namespace tdv::app
