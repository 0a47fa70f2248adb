// SPDX-License-Identifier: Apache-2.0
// Two `tdv serve` instances, each with a data directory of its own, on one
// real PostgreSQL database: they share the API keys (one admin key made,
// a key revoked through one is refused by both at once), the lists (an
// import over HTTP through one reaches both) and one audit chain (with a
// shared audit key).
#include <httplib.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "catch.h"
#include "pg_database.h"
#include "process.h"
#include "specimens.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;

ProcessResult Tdv(std::vector<std::string> args) {
  args.insert(args.begin(), TDV_BINARY);
  return tdv::testing::Run(args);
}

TEST_CASE("two instances on one PostgreSQL share keys, lists and the audit chain",
          "[cli][instances]") {
  tdv::testing::PgDatabase db;
  TempDir a, b, shared;
  const std::string audit_key = (shared.path() / "audit.key").string();
  const std::string config = R"({"store": ")" + db.url() + R"(", "audit_key_file": ")" + audit_key +
                             R"(", "lists_refresh_seconds": 1, "access_log": false})";
  std::ofstream(a.path() / "config.json") << config;
  std::ofstream(b.path() / "config.json") << config;

  tdv::testing::Background server_a(
      {TDV_BINARY, "serve", "--data", a.path().string(), "--listen", "127.0.0.1:0"},
      a.path() / "serve.log");
  const int port_a = tdv::testing::ServePort(a.path() / "serve.log");
  INFO(tdv::testing::ReadFile(a.path() / "serve.log"));
  REQUIRE(port_a != 0);
  // The first instance made the one admin key; the second finds keys and
  // makes none.
  const std::string admin = tdv::testing::AdminKey(a.path());
  REQUIRE(admin.rfind("tdv_", 0) == 0);
  tdv::testing::Background server_b(
      {TDV_BINARY, "serve", "--data", b.path().string(), "--listen", "127.0.0.1:0"},
      b.path() / "serve.log");
  const int port_b = tdv::testing::ServePort(b.path() / "serve.log");
  INFO(tdv::testing::ReadFile(b.path() / "serve.log"));
  REQUIRE(port_b != 0);
  CHECK_FALSE(std::filesystem::exists(b.path() / "admin.key"));

  // An officer key made through instance b's data directory works on both.
  ProcessResult r =
      Tdv({"keys", "create", "--data", b.path().string(), "--role", "officer", "--label", "desk"});
  REQUIRE(r.exit_code == 0);
  std::string officer = r.out;
  while (!officer.empty() && officer.back() == '\n') officer.pop_back();
  const json body = {
      {"mrz", testing::kTd3Specimen}, {"allow_specimens", true}, {"as_of", "2011-06-01"}};
  auto post = [&](int port, const std::string& key) {
    httplib::Client client("127.0.0.1", port);
    client.set_bearer_token_auth(key);
    auto res = client.Post("/v1/verify", body.dump(), "application/json");
    REQUIRE(res);
    return res->status == 200 ? json::parse(res->body)["verdict"].get<std::string>()
                              : std::to_string(res->status);
  };
  CHECK(post(port_a, officer) == "clear");
  CHECK(post(port_b, officer) == "clear");
  CHECK(post(port_b, admin) == "clear");

  // A list imported through instance a's API reaches both servers.
  {
    httplib::Client client("127.0.0.1", port_a);
    client.set_bearer_token_auth(admin);
    auto res = client.Post("/v1/lists/l/import?source=S",
                           "issuing_state,document_type,document_number,status,reporting_agency\n"
                           "UTO,P,L898902C3,stolen,UTO-POLICE\n",
                           "text/csv");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
  }
  CHECK(tdv::testing::PollFor("reject", [&] { return post(port_a, officer); }) == "reject");
  CHECK(tdv::testing::PollFor("reject", [&] { return post(port_b, officer); }) == "reject");

  // Revoked through a: refused by both on the next request.
  REQUIRE(Tdv({"keys", "revoke", "--data", a.path().string(), officer.substr(4, 16)}).exit_code ==
          0);
  CHECK(post(port_a, officer) == "401");
  CHECK(post(port_b, officer) == "401");

  server_a.Signal(SIGTERM);
  server_b.Signal(SIGTERM);
  CHECK(server_a.Wait(5000) == 0);
  CHECK(server_b.Wait(5000) == 0);

  // One chain holds what both did, intact under the shared key.
  r = Tdv({"audit", "verify", "--data", b.path().string(), "--json"});
  INFO(r.out + r.err);
  REQUIRE(r.exit_code == 0);
  const json check = json::parse(r.out);
  CHECK(check["intact"] == true);
  // At least 5 verifications (3 clear, 2 reject; refused requests are no
  // verifications), the key made, the list imported, the key revoked.
  CHECK(check["entries"].get<int>() >= 8);
  r = Tdv({"audit", "show", "--data", a.path().string(), "--json", "--action", "keys.revoke"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["entries"].size() == 1);
  CHECK_FALSE(std::filesystem::exists(a.path() / "audit.db"));
}

TEST_CASE(
    "PostgreSQL drops every connection in the middle of an HTTP import: old list whole, "
    "checks go on",
    "[cli][instances][faults]") {
  tdv::testing::PgDatabase db;
  TempDir data;
  std::ofstream(data.path() / "config.json")
      << json{{"store", db.url()}, {"lists_refresh_seconds", 1}, {"access_log", false}}.dump();
  tdv::testing::Serving serving(TDV_BINARY, data.path());
  INFO(tdv::testing::ReadFile(serving.log));
  REQUIRE(serving.port != 0);
  const httplib::Headers auth{{"Authorization", "Bearer " + tdv::testing::AdminKey(data.path())}};
  httplib::Client client("127.0.0.1", serving.port);
  client.set_read_timeout(60, 0);
  auto res = client.Post("/v1/lists/l/import?source=S", auth,
                         "issuing_state,document_type,document_number,status\n"
                         "UTO,P,L898902C3,stolen\n",
                         "text/csv");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string check = json{
      {"mrz", testing::kTd3Specimen},
      {"allow_specimens", true},
      {"as_of", "2011-06-01"}}.dump();
  const auto hit = [&] {
    auto v = client.Post("/v1/verify", auth, check, "application/json");
    REQUIRE(v);
    INFO(v->body << tdv::testing::ReadFile(serving.log));
    REQUIRE(v->status == 200);
    const json j = json::parse(v->body);
    CHECK(j["lists"].contains("index_age_seconds"));
    return j["lists"]["status"] == "hit";
  };
  bool listed = false;
  for (int i = 0; i < 50 && !(listed = hit()); ++i) usleep(100 * 1000);
  REQUIRE(listed);

  // A new version big enough to be cut in the middle, sent from a thread.
  std::string big = "issuing_state,document_type,document_number,status\n";
  for (int i = 0; i < 300000; ++i) big += "FRA,P,X" + std::to_string(10000000 + i) + ",lost\n";
  int import_status = 0;
  std::string import_body;
  std::thread importer([&] {
    httplib::Client c("127.0.0.1", serving.port);
    c.set_read_timeout(120, 0);
    c.set_write_timeout(120, 0);
    auto r = c.Post("/v1/lists/l/import?source=S", auth, big, "text/csv");
    if (r) {
      import_status = r->status;
      import_body = r->body;
    }
  });
  // Once the import's transaction has written, every connection to the
  // database goes, as in a server restart.
  bool writing = false;
  for (int i = 0; i < 600 && !writing; ++i) {
    const ProcessResult r = db.Sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()");
    writing = r.exit_code == 0 && std::atoi(r.out.c_str()) > 0;
    if (!writing) usleep(20 * 1000);
  }
  ProcessResult cut = db.Sql(
      "SELECT string_agg(pid::text, ',') FROM (SELECT pid, pg_terminate_backend(pid) FROM "
      "pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) cut");
  importer.join();
  INFO("import answered " << import_status << ": " << import_body);
  CHECK(writing);
  REQUIRE(cut.exit_code == 0);
  while (!cut.out.empty() && cut.out.back() == '\n') cut.out.pop_back();
  REQUIRE_FALSE(cut.out.empty());
  // The server has let them go (as a restarted one would have).
  std::string left;
  for (int i = 0; i < 100 && left != "0"; ++i) {
    left = db.Sql("SELECT count(*) FROM pg_stat_activity WHERE pid IN (" + cut.out + ")").out;
    while (!left.empty() && left.back() == '\n') left.pop_back();
    if (left != "0") usleep(20 * 1000);
  }
  CHECK(left == "0");
  // Cut in its transaction: refused as unavailable, never half made.
  CHECK(import_status == 503);
  // Checks go on at once: the index held; the keys' and the audit trail's
  // connections, found dropped before use, made anew.
  CHECK(hit());
  res = client.Get("/v1/lists", auth);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const json lists = json::parse(res->body)["lists"];
  REQUIRE(lists.size() == 1);
  CHECK(lists[0]["version"] == 1);
  CHECK(lists[0]["records"] == 1);
  // And the same import, sent again, is made whole.
  res = client.Post("/v1/lists/l/import?source=S", auth, big, "text/csv");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["records"] == 300000);
  // Stopping waits for the lists' refresh, which may be loading the 300,000
  // records just imported (seconds under the sanitizers on a busy machine).
  serving.process.Signal(SIGTERM);
  CHECK(serving.process.Wait(60000) == 0);
}

}  // namespace
}  // namespace tdv::app
