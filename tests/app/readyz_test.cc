// SPDX-License-Identifier: Apache-2.0
// `GET /readyz` of a real `tdv serve`: the checks it is built from (the
// model, the lists and their freshness, the trust store, expired CRLs) on a
// real data directory, a list store broken and repaired behind its back,
// and a model directory that is not there.
#include <httplib.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "catch.h"
#include "process.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;

const std::string kPki = TDV_TEST_PKI_DIR;

ProcessResult Tdv(std::vector<std::string> args, const std::filesystem::path& data) {
  args.insert(args.begin(), TDV_BINARY);
  args.push_back("--data");
  args.push_back(data.string());
  return tdv::testing::Run(args);
}

// The check of `name` in a /readyz answer.
json Check(const json& ready, const std::string& name) {
  for (const json& c : ready["checks"])
    if (c["name"] == name) return c;
  FAIL("no check " << name << " in " << ready.dump());
  return {};
}

struct Ready {
  int status = 0;
  json body;
};

Ready GetReady(httplib::Client& client) {
  auto res = client.Get("/readyz");
  REQUIRE(res);
  return {res->status, json::parse(res->body)};
}

void Sql(const std::filesystem::path& db, const std::string& statement) {
  REQUIRE(tdv::testing::SqliteExec(db, statement).exit_code == 0);
}

TEST_CASE("readyz of tdv serve: lists going stale and coming back, an expired CRL named",
          "[cli][readyz]") {
  TempDir data;
  REQUIRE(Tdv({"trust", "import", kPki + "/csca/nl.pem", kPki + "/crl-expired/nl.pem"}, data.path())
              .exit_code == 0);
  std::ofstream(data.path() / "sltd.csv") << "issuing_state,document_type,document_number,status\n"
                                             "UTO,P,L898902C3,stolen\n";
  REQUIRE(Tdv({"lists", "import", "--list", "uto-sltd", "--source", "UTO-POLICE",
               (data.path() / "sltd.csv").string()},
              data.path())
              .exit_code == 0);
  std::ofstream(data.path() / "config.json") << json{
      {"require_lists", true},
      {"lists_refresh_seconds", 1},
      {"lists_max_staleness_seconds", 2}}.dump();
  tdv::testing::Serving serving(TDV_BINARY, data.path());
  REQUIRE(serving.port != 0);
  httplib::Client client("127.0.0.1", serving.port);

  Ready r = GetReady(client);
  INFO(r.body.dump());
  CHECK(r.status == 200);
  CHECK(r.body["status"] == "ready");
  CHECK(Check(r.body, "model")["ok"] == true);
  CHECK(Check(r.body, "lists")["detail"].get<std::string>().find(
            "uto-sltd (UTO-POLICE) 1 records") != std::string::npos);
  CHECK(Check(r.body, "trust")["detail"] == "1 CSCA(s), 0 signer(s), 1 CRL(s)");
  // An expired CRL is named but does not make the instance unready.
  const json crls = Check(r.body, "crls");
  CHECK(crls["ok"] == true);
  CHECK(crls["detail"].get<std::string>().find("past their next update") != std::string::npos);

  // The store breaks (its change log unreadable): within the staleness
  // limit and a refresh, the instance says it is not ready, and why.
  Sql(data.path() / "lists.db", "ALTER TABLE changes RENAME TO changes_away");
  for (int i = 0; i < 60 && r.status == 200; ++i) {
    usleep(100000);
    r = GetReady(client);
  }
  CHECK(r.status == 503);
  CHECK(r.body["status"] == "not_ready");
  CHECK(Check(r.body, "lists")["ok"] == false);
  CHECK(Check(r.body, "lists")["detail"].get<std::string>().find("have not been refreshed") !=
        std::string::npos);
  CHECK(Check(r.body, "model")["ok"] == true);

  // Repaired: ready again at the next refresh.
  Sql(data.path() / "lists.db", "ALTER TABLE changes_away RENAME TO changes");
  for (int i = 0; i < 60 && r.status != 200; ++i) {
    usleep(100000);
    r = GetReady(client);
  }
  CHECK(r.status == 200);
  serving.process.Signal(SIGTERM);
  CHECK(serving.process.Wait(10000) == 0);
}

TEST_CASE("readyz of tdv serve: no model, no lists where they are required", "[cli][readyz]") {
  TempDir data;
  const auto nowhere = data.path() / "no-models-here";
  std::ofstream(data.path() / "config.json")
      << json{{"require_lists", true}, {"model_dir", nowhere.string()}}.dump();
  tdv::testing::Serving serving(TDV_BINARY, data.path());
  REQUIRE(serving.port != 0);
  httplib::Client client("127.0.0.1", serving.port);
  const Ready r = GetReady(client);
  INFO(r.body.dump());
  CHECK(r.status == 503);
  const json model = Check(r.body, "model");
  CHECK(model["ok"] == false);
  CHECK(model["detail"].get<std::string>().find(nowhere.string()) != std::string::npos);
  CHECK(Check(r.body, "lists")["ok"] == false);
  CHECK(Check(r.body, "trust")["ok"] == true);
  // Text checks still answer: the instance is up, it says what it cannot do.
  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
}

// `tdv serve` of `data`, expected to refuse to start: its exit code and
// what it logged; it never announced a port.
ProcessResult ServeRefused(const std::filesystem::path& data) {
  const auto log = data / "serve.log";
  tdv::testing::Background serve(
      {TDV_BINARY, "serve", "--data", data.string(), "--listen", "127.0.0.1:0"}, log);
  REQUIRE(serve.started());
  ProcessResult r;
  r.exit_code = serve.Wait(10000);
  r.err = tdv::testing::ReadFile(log);
  CHECK(r.err.find("serving on") == std::string::npos);
  return r;
}

TEST_CASE(
    "a corrupt configuration, list store or audit trail at start-up: no service, the file named",
    "[cli][readyz][faults]") {
  SECTION("config.json that is not JSON: exit 2") {
    TempDir data;
    std::ofstream(data.path() / "config.json") << "{\"listen\": ";
    const ProcessResult r = ServeRefused(data.path());
    CHECK(r.exit_code == 2);
    CHECK(r.err.find((data.path() / "config.json").string()) != std::string::npos);
  }
  // Random bytes where the databases were: exit 5 naming the file.
  for (const char* file : {"lists.db", "audit.db"}) {
    DYNAMIC_SECTION(file << " that is not a database: exit 5") {
      TempDir data;
      std::string garbage;
      for (int i = 0; i < 8192; ++i) garbage += static_cast<char>((i * 7919 + 13) % 251);
      std::ofstream(data.path() / file, std::ios::binary) << garbage;
      const ProcessResult r = ServeRefused(data.path());
      CHECK(r.exit_code == 5);
      CHECK(r.err.find((data.path() / file).string() + ": file is not a database") !=
            std::string::npos);
    }
  }
  SECTION("an audit key that is not one: exit 5") {
    TempDir data;
    std::ofstream(data.path() / "audit.key") << "not a key\n";
    const ProcessResult r = ServeRefused(data.path());
    CHECK(r.exit_code == 5);
    CHECK(r.err.find((data.path() / "audit.key").string() + " is not an audit key") !=
          std::string::npos);
  }
}

TEST_CASE("a corrupt model or trust anchor at start-up: serving, not ready, the file named",
          "[cli][readyz][faults]") {
  TempDir data;
  // A model directory whose line recogniser is not a model.
  const auto models = data.path() / "models";
  std::filesystem::create_directories(models);
  for (const char* f : {"mrz.traineddata", "mrz_glyphs.yml.gz"})
    std::filesystem::copy_file(std::string(TDV_SOURCE_DIR) + "/models/" + f, models / f);
  std::ofstream(models / "mrz_crnn.onnx") << "not a network";
  // A trust store with a file that is no certificate.
  std::filesystem::create_directories(data.path() / "trust" / "csca");
  std::ofstream(data.path() / "trust" / "csca" / "0123456789abcdef.der") << "not DER";
  std::ofstream(data.path() / "config.json") << json{{"model_dir", models.string()}}.dump();
  tdv::testing::Serving serving(TDV_BINARY, data.path());
  REQUIRE(serving.port != 0);
  httplib::Client client("127.0.0.1", serving.port);
  const Ready r = GetReady(client);
  INFO(r.body.dump());
  CHECK(r.status == 503);
  CHECK(Check(r.body, "model")["ok"] == false);
  CHECK(Check(r.body, "trust")["ok"] == false);
  const std::string log = tdv::testing::ReadFile(serving.log);
  CHECK(log.find((models / "mrz_crnn.onnx").string() + " is missing or not such a model") !=
        std::string::npos);
  CHECK(log.find("unreadable trust store file " +
                 (data.path() / "trust" / "csca" / "0123456789abcdef.der").string()) !=
        std::string::npos);
  // Text checks still answer.
  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  serving.process.Signal(SIGTERM);
  CHECK(serving.process.Wait(10000) == 0);
}

}  // namespace
}  // namespace tdv::app
