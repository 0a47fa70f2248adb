// SPDX-License-Identifier: Apache-2.0
// A real `tdv serve` sharing a list with partner agencies (docs/exchange.md):
// its exchange key made on first start (owner only), the outputs of the
// shared list published and published again when the list changes, a list
// named but not imported left out until it is, and the routes for partner
// keys only.
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "catch.h"
#include "process.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::TempDir;

tdv::testing::ProcessResult Tdv(std::vector<std::string> args, const std::filesystem::path& data) {
  args.insert(args.begin(), TDV_BINARY);
  args.push_back("--data");
  args.push_back(data.string());
  return tdv::testing::Run(args);
}

void Import(const std::filesystem::path& data, const std::string& list, const std::string& rows,
            bool delta) {
  const auto file = data / (list + ".csv");
  std::ofstream(file) << "issuing_state,document_type,document_number,status\n" << rows;
  std::vector<std::string> args = {"lists",    "import",     "--list",     list,
                                   "--source", "UTO-POLICE", file.string()};
  if (delta) args.push_back("--delta");
  auto r = Tdv(args, data);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

std::string Key(const std::filesystem::path& data, const std::string& role) {
  auto r = Tdv({"keys", "create", "--role", role, "--label", "test"}, data);
  REQUIRE(r.exit_code == 0);
  std::string key = r.out.substr(0, r.out.find('\n'));
  REQUIRE(key.rfind("tdv_", 0) == 0);
  return key;
}

TEST_CASE("tdv serve shares a list: key, outputs, updates, partner keys only", "[cli][exchange]") {
  TempDir data;
  Import(data.path(), "sltd", "UTO,P,S0002068,stolen\n", false);
  const std::string partner = Key(data.path(), "partner");
  const std::string officer = Key(data.path(), "officer");
  std::ofstream(data.path() / "config.json")
      << json{{"exchange_lists", {"sltd", "later"}}, {"lists_refresh_seconds", 1}}.dump();
  tdv::testing::Serving serving(TDV_BINARY, data.path());
  REQUIRE(serving.port != 0);
  httplib::Client client("127.0.0.1", serving.port);
  const httplib::Headers as_partner = {{"Authorization", "Bearer " + partner}};

  // Outputs once built: two a record (exact, look-alike).
  auto total = [&] {
    auto res = client.Get("/v1/exchange/outputs", as_partner);
    if (!res || res->status != 200) return std::string("-");
    return std::to_string(json::parse(res->body)["total"].get<int>());
  };
  CHECK(tdv::testing::PollFor("2", total) == "2");
  const auto owner_only = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  CHECK((std::filesystem::status(data.path() / "exchange.key").permissions() &
         std::filesystem::perms::all) == owner_only);
  CHECK(tdv::testing::ReadFile(serving.log).find("not shared until imported: 'later'") !=
        std::string::npos);

  // A record added, and the list named but missing imported: published again.
  Import(data.path(), "sltd", "UTO,P,C01X00T47,lost\n", true);
  Import(data.path(), "later", "D,ID,L01X00T47,stolen\n", false);
  CHECK(tdv::testing::PollFor("6", total) == "6");
  auto res = client.Get("/v1/exchange/outputs", as_partner);
  REQUIRE(res);
  CHECK(json::parse(res->body)["lists"] == json{"sltd", "later"});

  // Only partner keys: an officer's key is refused before anything is read.
  res = client.Get("/v1/exchange/outputs", {{"Authorization", "Bearer " + officer}});
  REQUIRE(res);
  CHECK(res->status == 403);
  res = client.Post("/v1/verify", as_partner, R"({"mrz":"x"})", "application/json");
  REQUIRE(res);
  CHECK(res->status == 403);
}

TEST_CASE("tdv exchange confirm: the record a partner's reference names", "[cli][exchange]") {
  TempDir data;
  Import(data.path(), "sltd", "UTO,P,S0002068,stolen\nUTO,P,C01X00T47,lost\n", false);
  const std::string partner = Key(data.path(), "partner");
  std::ofstream(data.path() / "config.json") << json{{"exchange_lists", {"sltd"}}}.dump();
  std::string reference;
  {
    tdv::testing::Serving serving(TDV_BINARY, data.path());
    REQUIRE(serving.port != 0);
    // A partner's hit carries LIST:first 16 hex digits of the output; take
    // one of A's published look-alike outputs as a partner would get it.
    httplib::Client client("127.0.0.1", serving.port);
    json outputs;
    CHECK(tdv::testing::PollFor("200", [&] {
            auto res = client.Get("/v1/exchange/outputs", {{"Authorization", "Bearer " + partner}});
            if (res && res->status == 200) outputs = json::parse(res->body);
            return res ? std::to_string(res->status) : std::string("-");
          }) == "200");
    REQUIRE(outputs["outputs"].size() == 4);
    for (const json& o : outputs["outputs"]) {
      if (o["look_alike"] == true && reference.empty())
        reference = "sltd:" + o["output"].get<std::string>().substr(0, 16);
    }
  }
  REQUIRE_FALSE(reference.empty());
  auto r = Tdv({"exchange", "confirm", reference, "--json"}, data.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json found = json::parse(r.out);
  REQUIRE(found.size() == 1);
  CHECK(found[0]["match"] == "look_alike");
  CHECK(found[0]["status"].get<std::string>().size() > 0);
  const std::string number = found[0]["document_number"];
  CHECK((number == "S0002068" || number == "C01X00T47"));

  // Not a reference, a list not shared, a reference of nothing.
  CHECK(Tdv({"exchange", "confirm", "sltd"}, data.path()).exit_code == 2);
  CHECK(Tdv({"exchange", "confirm", "other:0123456789abcdef"}, data.path()).exit_code == 2);
  CHECK(Tdv({"exchange", "confirm", "sltd:0123456789abcdef"}, data.path()).exit_code == 1);
  // Each lookup is in the trail.
  auto audit = Tdv({"audit", "show", "--json"}, data.path());
  REQUIRE(audit.exit_code == 0);
  int confirms = 0;
  const json trail = json::parse(audit.out);
  for (const json& e : trail["entries"]) confirms += e["action"] == "exchange.confirm";
  CHECK(confirms == 2);
}

TEST_CASE("tdv serve without shared lists: no exchange key, the routes are 404",
          "[cli][exchange]") {
  TempDir data;
  const std::string partner = Key(data.path(), "partner");
  tdv::testing::Serving serving(TDV_BINARY, data.path());
  REQUIRE(serving.port != 0);
  httplib::Client client("127.0.0.1", serving.port);
  auto res = client.Get("/v1/exchange/outputs", {{"Authorization", "Bearer " + partner}});
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK_FALSE(std::filesystem::exists(data.path() / "exchange.key"));
}

}  // namespace
}  // namespace tdv::app
