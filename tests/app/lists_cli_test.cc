// SPDX-License-Identifier: Apache-2.0
// `tdv lists ...` and the lists in `tdv check`, run as real processes on a
// real SQLite store in a fresh data directory.
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "catch.h"
#include "pg_database.h"
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

// What a list holds as `tdv lists stats` and `tdv lists export` show it.
struct ListState {
  std::int64_t version = -1, records = -1;
  std::string exported;  // JSON Lines, one record each
  // The export holds as many records as the count says, `marker` among them.
  bool Whole(const std::string& marker) const {
    return std::count(exported.begin(), exported.end(), '\n') == records &&
           exported.find(marker) != std::string::npos;
  }
};

ListState StateOf(Cli& tdv, const std::vector<std::string>& store) {
  std::vector<std::string> args{"lists", "stats", "--json"};
  args.insert(args.end(), store.begin(), store.end());
  ProcessResult r = tdv(args);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j["lists"].size() == 1);
  ListState st;
  st.version = j["lists"][0]["version"].get<std::int64_t>();
  st.records = j["lists"][0]["records"].get<std::int64_t>();
  const std::string out = (tdv.data.path() / "export.jsonl").string();
  args = {"lists", "export", "--list", "big", out};
  args.insert(args.end(), store.begin(), store.end());
  REQUIRE(tdv(args).exit_code == 0);
  st.exported = tdv::testing::ReadFile(out);
  return st;
}

// Kills imports of ever new versions of a list with SIGKILL at many points,
// the first ones inside the import's write transaction (`writing` says when
// one is open), and checks after each that the list is exactly the
// previous version or exactly the new one: never a mix. `store` is added to
// every command (empty: DATA/lists.db).
void KillImports(Cli& tdv, const std::vector<std::string>& store, int rows,
                 const std::function<bool()>& writing) {
  std::vector<std::string> args{
      "lists", "import", "--list", "big", "--source", "S", tdv.Write("v1.csv", kCsv)};
  args.insert(args.end(), store.begin(), store.end());
  REQUIRE(tdv(args).exit_code == 0);
  ListState old = StateOf(tdv, store);
  std::string old_marker = "L898902C3";
  REQUIRE((old.version == 1 && old.records == 2 && old.Whole(old_marker)));
  int inside = 0;
  const std::vector<int> delays_ms{0, 0, 50, 150, 300, 600, 1200, -1};  // -1: never killed
  for (std::size_t k = 0; k < delays_ms.size(); ++k) {
    // Each version distinct: its own numbers, its own count.
    const std::string marker = "R" + std::to_string(k) + "X";
    const int count = rows + static_cast<int>(k);
    std::string csv = "issuing_state,document_type,document_number,status\n";
    for (int i = 0; i < count; ++i)
      csv += "FRA,P," + marker + std::to_string(1000000 + i) + ",lost\n";
    std::vector<std::string> argv{
        TDV_BINARY, "lists", "import",   "--data", tdv.data.path().string(),
        "--list",   "big",   "--source", "S",      tdv.Write("v.csv", csv)};
    argv.insert(argv.end(), store.begin(), store.end());
    tdv::testing::Background import(argv, tdv.data.path() / "import.log");
    REQUIRE(import.started());
    int code = -1;
    bool seen_writing = false;
    if (delays_ms[k] >= 0) {
      for (int i = 0; i < 500 && !seen_writing; ++i) {
        seen_writing = writing();
        if (!seen_writing && (code = import.Wait(0)) != -1) break;  // done before it was seen
      }
      usleep(static_cast<useconds_t>(delays_ms[k]) * 1000);
      import.Signal(SIGKILL);
    }
    if (code == -1) code = import.Wait(60000);
    ListState now = StateOf(tdv, store);
    INFO("import " << k + 1 << ": " << count << " rows, killed " << delays_ms[k]
                   << " ms into its transaction (seen: " << seen_writing << "), exit " << code
                   << "; now version " << now.version << " with " << now.records << " records");
    const bool kept =
        now.version == old.version && now.records == old.records && now.Whole(old_marker);
    const bool replaced =
        now.version == old.version + 1 && now.records == count && now.Whole(marker);
    CHECK((kept || replaced));
    if (code == 0) CHECK(replaced);  // an import that says it finished did
    if (delays_ms[k] < 0) CHECK(code == 0);
    if (kept && seen_writing) ++inside;
    if (replaced) {
      old = std::move(now);
      old_marker = marker;
    }
  }
  // At least the kills the moment a transaction was seen landed inside it.
  CHECK(inside >= 2);
}

TEST_CASE("kill -9 at many points of an import leaves the previous version whole (SQLite)",
          "[cli][lists]") {
  Cli tdv;
  const auto db = tdv.data.path() / "lists.db";
  KillImports(tdv, {}, 300000, [&] { return tdv::testing::SqliteWriteLocked(db); });
}

TEST_CASE("kill -9 at many points of an import leaves the previous version whole (PostgreSQL)",
          "[cli][lists][postgres]") {
  Cli tdv;
  tdv::testing::PgDatabase pg;
  KillImports(tdv, {"--store", pg.url()}, 150000, [&] {
    // A session other than this probe's with a transaction id: it has written.
    const ProcessResult r = pg.Sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()");
    return r.exit_code == 0 && std::atoi(r.out.c_str()) > 0;
  });
}

}  // namespace
}  // namespace tdv::app

namespace tdv::app {
namespace {

// `tdv serve` on the Cli's data directory, and a client with its admin key.
struct Served {
  explicit Served(Cli& tdv)
      : process(
            {TDV_BINARY, "serve", "--data", tdv.data.path().string(), "--listen", "127.0.0.1:0"},
            tdv.data.path() / "serve.log") {
    REQUIRE(process.started());
    const int port = tdv::testing::ServePort(tdv.data.path() / "serve.log");
    REQUIRE(port != 0);
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_bearer_token_auth(tdv::testing::AdminKey(tdv.data.path()));
  }
  tdv::testing::Background process;
  std::unique_ptr<httplib::Client> client;
};

TEST_CASE("tdv serve picks up a list imported by another process, without restart",
          "[cli][lists]") {
  Cli tdv;
  tdv.Write("config.json", R"({"lists_refresh_seconds": 1, "access_log": false})");
  Served served(tdv);
  tdv::testing::Background& server = served.process;
  httplib::Client& client = *served.client;
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

TEST_CASE("tdv serve's access log names no document number", "[cli][lists]") {
  Cli tdv;
  tdv.Write("config.json", R"({"lists_refresh_seconds": 1})");  // the access log is on
  REQUIRE(tdv({"lists", "import", "--list", "l", "--source", "S", tdv.Write("l.csv", kCsv)})
              .exit_code == 0);
  Served served(tdv);
  tdv::testing::Background& server = served.process;
  httplib::Client& client = *served.client;
  auto res = client.Delete("/v1/lists/l/records/UTO/P/L898902C3?source=S");
  REQUIRE(res);
  CHECK(res->status == 200);
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
  const std::string log = tdv::testing::ReadFile(tdv.data.path() / "serve.log");
  CHECK(log.find("DELETE /v1/lists/{list}/records/{state}/{type}/{number} 200") !=
        std::string::npos);
  CHECK(log.find("L898902C3") == std::string::npos);
}

}  // namespace
}  // namespace tdv::app
