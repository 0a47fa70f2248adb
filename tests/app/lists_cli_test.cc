// SPDX-License-Identifier: Apache-2.0
// `tdv lists ...` and the lists in `tdv check`, run as real processes on a
// real SQLite store in a fresh data directory.
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "catch.h"
#include "process.h"
#include "specimens.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;

struct Cli {
  TempDir data;
  ProcessResult operator()(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), TDV_BINARY);
    args.push_back("--data");
    args.push_back(data.path().string());
    return tdv::testing::Run(args, in);
  }
  std::string Write(const std::string& name, const std::string& text) {
    const auto p = data.path() / name;
    std::ofstream(p) << text;
    return p.string();
  }
};

const char* kCsv =
    "issuing_state,document_type,document_number,status,reporting_agency,reason\n"
    "UTO,P,L898902C3,stolen,UTO-POLICE,synthetic test record\n"
    "UTO,I,D23145890,lost,,\n";

TEST_CASE("tdv lists import, stats, export round-trip", "[cli][lists]") {
  Cli tdv;
  const std::string file = tdv.Write("sltd.csv", kCsv);
  ProcessResult r = tdv({"lists", "import", "--list", "uto-sltd", "--source", "UTO-POLICE", file});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("version 1: 2 records") != std::string::npos);
  r = tdv({"lists", "stats", "--json"});
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["records"] == 2);
  CHECK(j["lists"][0]["name"] == "uto-sltd");
  CHECK(j["lists"][0]["source"] == "UTO-POLICE");
  CHECK(j["index_bytes_per_record"].get<double>() <= 48.0);
  const std::string out = (tdv.data.path() / "export.jsonl").string();
  r = tdv({"lists", "export", "--list", "uto-sltd", out});
  REQUIRE(r.exit_code == 0);
  const std::string exported = tdv::testing::ReadFile(out);
  CHECK(exported.find("\"document_number\":\"L898902C3\"") != std::string::npos);
  CHECK(exported.find("synthetic test record") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out + ".partial"));
}

TEST_CASE("tdv check consults the lists", "[cli][lists]") {
  Cli tdv;
  REQUIRE(tdv({"lists", "import", "--list", "uto-sltd", "--source", "UTO-POLICE",
               tdv.Write("l.csv", kCsv)})
              .exit_code == 0);
  ProcessResult r = tdv({"check", "--allow-specimens", "--json", "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j["verdict"] == "reject");
  CHECK(j["lists"]["status"] == "hit");
  CHECK(j["lists"]["hits"][0]["match"] == "exact");
  CHECK(j["lists"]["hits"][0]["record"]["reason"] == "synthetic test record");
  CHECK(j["lists"]["consulted"][0]["version"] == 1);
  CHECK(j["lists"]["consulted"][0]["age_seconds"].get<std::int64_t>() >= 0);
  CHECK(j["lists"]["consulted"][0]["age_seconds"].get<std::int64_t>() < 60);
  // Removed from the list: clear again.
  r = tdv({"lists", "remove", "--list", "uto-sltd", "--source", "UTO-POLICE", "--state", "UTO",
           "--type", "P", "--number", "L898902C3"});
  CHECK(r.exit_code == 0);
  r = tdv({"check", "--allow-specimens", "--as-of", "2011-06-01", "--json", "--mrz",
           testing::kTd3Specimen});
  CHECK(r.exit_code == 0);
  j = json::parse(r.out);
  CHECK(j["lists"]["status"] == "clear");
  // The audit trail has it all.
  r = tdv({"lists", "audit", "--json"});
  REQUIRE(r.exit_code == 0);
  j = json::parse(r.out);
  REQUIRE(j.size() == 3);
  CHECK(j[0]["action"] == "delete");
  CHECK(j[1]["action"] == "replace");
  CHECK(j[2]["action"] == "create");
}

TEST_CASE("tdv lists: bad rows reject the file (exit 1) with line numbers", "[cli][lists]") {
  Cli tdv;
  const std::string bad = tdv.Write("bad.csv",
                                    "issuing_state,document_type,document_number,status\n"
                                    "UTO,P,AAA111,stolen\n"
                                    "UTO,P,BBB222,gone\n");
  ProcessResult r = tdv({"lists", "import", "--list", "l", "--source", "S", bad});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("bad.csv:3:") != std::string::npos);
  CHECK(r.err.find("nothing was changed") != std::string::npos);
  r = tdv({"lists", "stats", "--json"});
  CHECK(json::parse(r.out)["lists"].empty());
  r = tdv({"lists", "import", "--list", "l", "--source", "S", "--skip-bad-rows", bad});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("1 skipped") != std::string::npos);
}

TEST_CASE("tdv lists: errors have distinct exit codes", "[cli][lists]") {
  Cli tdv;
  REQUIRE(tdv({"lists", "import", "--list", "l", "--source", "OWNER", tdv.Write("l.csv", kCsv)})
              .exit_code == 0);
  // Another source may not change the list: 4.
  ProcessResult r =
      tdv({"lists", "import", "--list", "l", "--source", "INTRUDER", tdv.Write("m.csv", kCsv)});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("belongs to 'OWNER'") != std::string::npos);
  r = tdv({"lists", "drop", "--list", "l", "--source", "INTRUDER"});
  CHECK(r.exit_code == 4);
  // Missing file, unknown format, missing flag: 2.
  CHECK(
      tdv({"lists", "import", "--list", "l", "--source", "OWNER", "/nonexistent.csv"}).exit_code ==
      2);
  CHECK(tdv({"lists", "import", "--list", "l", "--source", "OWNER", tdv.Write("x.xlsx", "")})
            .exit_code == 2);
  CHECK(tdv({"lists", "import", "--source", "OWNER", "x.csv"}).exit_code == 2);
  CHECK(tdv({"lists", "export", "--list", "nope"}).exit_code == 2);
  // An unreachable store: 5.
  r = tdv({"lists", "stats", "--store", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"});
  CHECK(r.exit_code == 5);
  // Reading stdin needs a format.
  CHECK(tdv({"lists", "import", "--list", "l", "--source", "OWNER", "-"}, kCsv).exit_code == 2);
  CHECK(tdv({"lists", "import", "--list", "l", "--source", "OWNER", "--format", "csv", "-"}, kCsv)
            .exit_code == 0);
  // Owner drops it.
  CHECK(tdv({"lists", "drop", "--list", "l", "--source", "OWNER"}).exit_code == 0);
}

TEST_CASE("tdv check with an unreachable store says review, never clear", "[cli][lists]") {
  Cli tdv;
  // Lists that cannot be opened (the audit trail stays in DATA): review.
  ProcessResult r = tdv({"check", "--allow-specimens", "--as-of", "2011-06-01", "--json", "--store",
                         "sqlite:" + (tdv.data.path() / "no" / "such" / "lists.db").string(),
                         "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j["verdict"] == "review");
  CHECK(j["lists"]["status"] == "unavailable");
  CHECK(j["reasons"][0]["code"] == "lists_unavailable");
  // A PostgreSQL store holds the audit trail too: when it cannot be reached
  // no check is answered unrecorded (exit 5, no report).
  r = tdv({"check", "--allow-specimens", "--as-of", "2011-06-01", "--json", "--store",
           "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", "--mrz",
           testing::kTd3Specimen});
  CHECK(r.exit_code == 5);
  CHECK(r.out.empty());
  CHECK(r.err.find("cannot connect") != std::string::npos);
}

}  // namespace
}  // namespace tdv::app

namespace tdv::app {
namespace {

TEST_CASE("the committed sample list imports cleanly and lists the specimen card", "[cli][lists]") {
  Cli tdv;
  ProcessResult r = tdv({"lists", "import", "--list", "demo-sltd", "--source", "TDV-DEMO",
                         std::string(TDV_SOURCE_DIR) + "/samples/lists/demo-sltd.csv"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("50 records") != std::string::npos);
  r = tdv({"check", "--allow-specimens", "--json", "--mrz", testing::kTd1Specimen});
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["lists"]["hits"][0]["record"]["document_number"] == "D23145890");
}

}  // namespace
}  // namespace tdv::app

namespace tdv::app {
namespace {

TEST_CASE("a kill -9 in the middle of an import leaves the previous version intact",
          "[cli][lists]") {
  Cli tdv;
  REQUIRE(tdv({"lists", "import", "--list", "big", "--source", "S", tdv.Write("v1.csv", kCsv)})
              .exit_code == 0);
  // A file large enough that the import is still running when it is killed.
  std::string big = "issuing_state,document_type,document_number,status\n";
  for (int i = 0; i < 400000; ++i) big += "FRA,P,X" + std::to_string(10000000 + i) + ",lost\n";
  const std::string file = tdv.Write("v2.csv", big);
  for (int delay_ms : {50, 150, 300}) {
    tdv::testing::Background import(
        {TDV_BINARY, "lists", "import", "--data", tdv.data.path().string(), "--list", "big",
         "--source", "S", file},
        tdv.data.path() / "import.log");
    REQUIRE(import.started());
    usleep(static_cast<useconds_t>(delay_ms) * 1000);
    import.Signal(SIGKILL);
    import.Wait(5000);
    // Either the old version (killed in time) or the complete new one: never a mix.
    ProcessResult r = tdv({"lists", "stats", "--json"});
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    const auto records = j["records"].get<std::int64_t>();
    INFO("killed after " << delay_ms << " ms: " << records << " records");
    CHECK((records == 2 || records == 400000));
    CHECK(j["lists"][0]["records"].get<std::int64_t>() == records);
    CHECK((j["lists"][0]["version"] == (records == 2 ? 1 : 2) || records == 400000));
  }
}

}  // namespace
}  // namespace tdv::app

namespace tdv::app {
namespace {

TEST_CASE("tdv serve picks up a list imported by another process, without restart",
          "[cli][lists]") {
  Cli tdv;
  tdv.Write("config.json", R"({"lists_refresh_seconds": 1, "access_log": false})");
  tdv::testing::Background server(
      {TDV_BINARY, "serve", "--data", tdv.data.path().string(), "--listen", "127.0.0.1:0"},
      tdv.data.path() / "serve.log");
  REQUIRE(server.started());
  const int port = tdv::testing::ServePort(tdv.data.path() / "serve.log");
  REQUIRE(port != 0);
  httplib::Client client("127.0.0.1", port);
  client.set_bearer_token_auth(tdv::testing::AdminKey(tdv.data.path()));
  const json body = {
      {"mrz", testing::kTd3Specimen}, {"allow_specimens", true}, {"as_of", "2011-06-01"}};
  auto verdict = [&] {
    auto res = client.Post("/v1/verify", body.dump(), "application/json");
    REQUIRE(res);
    return json::parse(res->body)["verdict"].get<std::string>();
  };
  CHECK(verdict() == "clear");
  REQUIRE(tdv({"lists", "import", "--list", "l", "--source", "S", tdv.Write("l.csv", kCsv)})
              .exit_code == 0);
  CHECK(tdv::testing::PollFor("reject", verdict) == "reject");
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
}

}  // namespace
}  // namespace tdv::app
