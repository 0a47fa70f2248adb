// SPDX-License-Identifier: Apache-2.0
// A real `tdv serve` sharing a list with partner agencies (docs/exchange.md):
// its exchange key made on first start (owner only), the outputs of the
// shared list published and published again when the list changes, a list
// named but not imported left out until it is, and the routes for partner
// keys only.
#include <httplib.h>
#include <sys/stat.h>

#include <csignal>
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
  const auto sequence_now = [&] {
    auto r = client.Get("/v1/exchange/outputs?limit=1", as_partner);
    REQUIRE(r);
    return json::parse(r->body)["sequence"].get<std::int64_t>();
  };
  const std::int64_t first_sequence = sequence_now();
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
  const std::int64_t six = sequence_now();
  // A delta to a shared list: only the records that changed are evaluated.
  Import(data.path(), "sltd", "UTO,P,A7654321,stolen\n", true);
  CHECK(tdv::testing::PollFor("8", total) == "8");
  CHECK(tdv::testing::ReadFile(serving.log).find("updated with 1 change(s)") != std::string::npos);
  {
    const auto file = data.path() / "sltd-delete.csv";
    std::ofstream(file) << "op,issuing_state,document_type,document_number,status\n"
                        << "delete,UTO,P,C01X00T47,lost\n";
    auto r = Tdv(
        {"lists", "import", "--list", "sltd", "--source", "UTO-POLICE", "--delta", file.string()},
        data.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(tdv::testing::PollFor("6", total) == "6");
  // A partner holding the outputs of before those two deltas takes what
  // changed since: the record added (two entries) and the one removed (two).
  const auto since = [&](std::int64_t seq) {
    auto r = client.Get("/v1/exchange/outputs?since=" + std::to_string(seq), as_partner);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return json::parse(r->body);
  };
  json delta = since(six);
  CHECK(delta["since"] == six);
  CHECK(delta["total"] == 6);
  CHECK(delta["added"].size() == 2);
  CHECK(delta["removed"].size() == 2);
  CHECK_FALSE(delta.contains("outputs"));
  // Current already: nothing changed.
  delta = since(delta["sequence"].get<std::int64_t>());
  CHECK(delta["added"].empty());
  CHECK(delta["removed"].empty());
  // From before the shared lists changed (a list joined: the entries'
  // list numbers are not those), or a sequence never published: whole.
  for (const std::int64_t seq : {first_sequence, six + 1000}) {
    delta = since(seq);
    CHECK_FALSE(delta.contains("since"));
    CHECK(delta["outputs"].size() == 6);
  }

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

// Agency B's config.json naming agency A's instance on `port` as a
// partner, with the key A made for B in B's data directory.
void PartnerConfig(const std::filesystem::path& b, int port, const std::string& key,
                   bool required) {
  std::ofstream(b / "agency-a.key") << key << "\n";
  std::ofstream(b / "config.json") << json{
      {"partners",
       {{{"name", "agency-a"},
         {"url", "http://127.0.0.1:" + std::to_string(port)},
         {"key_file", (b / "agency-a.key").string()},
         {"required", required},
         {"timeout_seconds", 2}}}}}.dump();
}

const json* FindCheck(const json& report, const std::string& name) {
  for (const json& c : report["checks"]) {
    if (c["name"] == name) return &c;
  }
  return nullptr;
}

TEST_CASE("two agencies: B checks documents against A's shared list, A learns no number",
          "[cli][exchange]") {
  TempDir a, b;
  // The ICAO specimen's number on A's list; B checks that document.
  Import(a.path(), "sltd", "UTO,P,L898902C3,stolen\n", false);
  const std::string for_b = Key(a.path(), "partner");
  std::ofstream(a.path() / "config.json") << json{{"exchange_lists", {"sltd"}}}.dump();
  const std::string specimen =
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
  const std::vector<std::string> check = {
      "check", "--mrz", specimen, "--allow-specimens", "--no-check-expiry", "--json"};
  std::string reference;
  {
    tdv::testing::Serving agency_a(TDV_BINARY, a.path());
    REQUIRE(agency_a.port != 0);
    httplib::Client client("127.0.0.1", agency_a.port);
    CHECK(tdv::testing::PollFor("200", [&] {
            auto res = client.Get("/v1/exchange/outputs", {{"Authorization", "Bearer " + for_b}});
            return res ? std::to_string(res->status) : std::string("-");
          }) == "200");
    PartnerConfig(b.path(), agency_a.port, for_b, false);

    // tdv check at B: review, the partner, its list and a reference; no record.
    auto r = Tdv(check, b.path());
    INFO(r.err);
    CHECK(r.exit_code == 1);  // not clear
    json report = json::parse(r.out);
    CHECK(report["verdict"] == "review");
    REQUIRE(report["partners"].size() == 1);
    const json& partner = report["partners"][0];
    CHECK(partner["partner"] == "agency-a");
    CHECK(partner["status"] == "hit");
    REQUIRE_FALSE(partner["hits"].empty());
    CHECK(partner["hits"][0]["match"] == "exact");
    CHECK(partner["hits"][0]["list"] == "sltd");
    reference = partner["hits"][0]["reference"];
    CHECK(reference.rfind("sltd:", 0) == 0);
    CHECK(report["reasons"][0]["code"] == "partner_list_hit");
    CHECK(r.out.find("stolen") == std::string::npos);  // the record stays at A
    REQUIRE(FindCheck(report, "partners") != nullptr);
    CHECK((*FindCheck(report, "partners"))["status"] == "review");

    // Another document: on no partner's list, clear.
    const std::string other =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO7408122F1204159ZE184226B<<<<<"
        "18";
    auto clean = Tdv({"check", "--mrz", other, "--allow-specimens", "--no-check-expiry", "--json"},
                     b.path());
    INFO(clean.out);
    REQUIRE_FALSE(clean.out.empty());
    json clean_report = json::parse(clean.out);
    CHECK(clean_report["partners"][0]["status"] == "clear");
    CHECK((*FindCheck(clean_report, "partners"))["status"] == "pass");

    // B's service asks A the same for an officer's request.
    {
      tdv::testing::Serving agency_b(TDV_BINARY, b.path());
      REQUIRE(agency_b.port != 0);
      const std::string officer = tdv::testing::AdminKey(b.path());
      httplib::Client at_b("127.0.0.1", agency_b.port);
      const std::string body =
          json{{"mrz", specimen}, {"allow_specimens", true}, {"check_expiry", false}}.dump();
      std::string verdict = tdv::testing::PollFor("review", [&] {
        auto res = at_b.Post("/v1/verify", {{"Authorization", "Bearer " + officer}}, body,
                             "application/json");
        if (!res || res->status != 200) return std::string("-");
        return json::parse(res->body)["verdict"].get<std::string>();
      });
      CHECK(verdict == "review");
    }
    // A's trail: evaluations counted, no document number.
    auto audit = Tdv({"audit", "show", "--json"}, a.path());
    REQUIRE(audit.exit_code == 0);
    CHECK(audit.out.find("exchange.evaluate") != std::string::npos);
    CHECK(audit.out.find("L898902C3") == std::string::npos);
  }
  // A confirms the hit from the reference alone.
  auto confirm = Tdv({"exchange", "confirm", reference, "--json"}, a.path());
  INFO(confirm.err);
  REQUIRE(confirm.exit_code == 0);
  CHECK(json::parse(confirm.out)[0]["document_number"] == "L898902C3");

  // A stopped: the partner check could not run and never reads as a pass;
  // the verdict holds for review only where the partner is required.
  auto r = Tdv(check, b.path());
  json report = json::parse(r.out);
  CHECK(report["partners"][0]["status"] == "unavailable");
  CHECK((*FindCheck(report, "partners"))["status"] == "unavailable");
  CHECK(report["verdict"] == "clear");
  CHECK(report["notes"][0]["code"] == "partner_unavailable");
  PartnerConfig(b.path(), 1, for_b, true);
  r = Tdv(check, b.path());
  report = json::parse(r.out);
  CHECK(report["verdict"] == "review");
  CHECK(report["reasons"][0]["code"] == "partner_unavailable");
  // A missing key file is refused at start, naming it.
  std::filesystem::remove(b.path() / "agency-a.key");
  r = Tdv(check, b.path());
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("agency-a.key") != std::string::npos);
}

TEST_CASE("tdv serve stops at once while it publishes a large shared list", "[cli][exchange]") {
  // 300,000 records: publishing their 600,000 outputs takes about two
  // minutes on one core; a SIGTERM meanwhile waited for all of it.
  TempDir data;
  {
    std::ofstream rows(data.path() / "big.csv");
    rows << "issuing_state,document_type,document_number,status\n";
    for (int i = 0; i < 300000; ++i) rows << "UTO,P,X" << 10000000 + i << ",stolen\n";
  }
  auto r = Tdv({"lists", "import", "--list", "sltd", "--source", "UTO-POLICE",
                (data.path() / "big.csv").string()},
               data.path());
  REQUIRE(r.exit_code == 0);
  std::ofstream(data.path() / "config.json") << json{{"exchange_lists", {"sltd"}}}.dump();
  tdv::testing::Serving serving(TDV_BINARY, data.path());
  REQUIRE(serving.port != 0);
  serving.process.Signal(SIGTERM);
  CHECK(serving.process.Wait(10000) == 0);
}

// All the bytes of every file under `dir`.
std::string AllBytes(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) all += tdv::testing::ReadFile(f.path());
  }
  return all;
}

TEST_CASE("two agencies in mode 2: B keeps A's signed feed and checks offline", "[cli][exchange]") {
  TempDir a, b;
  const std::filesystem::path tls = std::filesystem::path(TDV_TEST_PKI_DIR) / "tls";
  // On A's list: a look-alike of the ICAO specimen's number (0 as O).
  Import(a.path(), "sltd", "UTO,P,L8989O2C3,stolen\n", false);
  const std::string for_b = Key(a.path(), "partner");
  const std::string b_id = for_b.substr(4, 16);
  std::ofstream(a.path() / "config.json") << json{
      {"exchange_lists", {"sltd"}},
      {"feed_signer_cert", (tls / "feed-a.pem").string()},
      {"feed_signer_key",
       (tls / "feed-a.key").string()}}.dump();
  // A hands B its feed key.
  auto fk = Tdv({"exchange", "feed-key", b_id}, a.path());
  INFO(fk.err);
  REQUIRE(fk.exit_code == 0);
  std::ofstream(b.path() / "agency-a.feed-key") << fk.out;
  CHECK(Tdv({"exchange", "feed-key", "nothex"}, a.path()).exit_code == 2);

  const auto b_config = [&](int port, const std::string& signer) {
    std::ofstream(b.path() / "agency-a.key") << for_b << "\n";
    std::ofstream(b.path() / "config.json")
        << json{{"partners",
                 {{{"name", "agency-a"},
                   {"url", "http://127.0.0.1:" + std::to_string(port)},
                   {"key_file", (b.path() / "agency-a.key").string()},
                   {"timeout_seconds", 5},
                   {"feed",
                    {{"list", "sltd"},
                     {"key_file", (b.path() / "agency-a.feed-key").string()},
                     {"signer", (tls / signer).string()}}}}}}}
               .dump();
  };
  const std::string specimen =
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
  const std::vector<std::string> check = {
      "check", "--mrz", specimen, "--allow-specimens", "--no-check-expiry", "--json"};
  const auto partner_of = [&](const tdv::testing::ProcessResult& r) {
    INFO(r.err);
    REQUIRE_FALSE(r.out.empty());
    const json report = json::parse(r.out);
    REQUIRE(report["partners"].size() == 1);
    return report["partners"][0];
  };
  std::string index_1;  // B's index of the first copy it kept
  int a_port = 0;
  {
    tdv::testing::Serving agency_a(TDV_BINARY, a.path());
    REQUIRE(agency_a.port != 0);
    a_port = agency_a.port;
    // Signed by a signer B does not trust: refused, nothing kept.
    b_config(agency_a.port, "other-ca.pem");
    auto r = Tdv({"lists", "subscribe"}, b.path());
    CHECK(r.exit_code == 5);
    CHECK(r.out.find("not signed by the partner") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(b.path() / "feeds" / "agency-a.feed"));
    CHECK(partner_of(Tdv(check, b.path()))["status"] == "unavailable");

    b_config(agency_a.port, "ca.pem");
    r = Tdv({"lists", "subscribe"}, b.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("agency-a: 2 entries of sltd, sequence 1") != std::string::npos);
    REQUIRE(std::filesystem::exists(b.path() / "feeds" / "agency-a.index"));
    index_1 = tdv::testing::ReadFile(b.path() / "feeds" / "agency-a.index");
    r = Tdv({"lists", "subscribe", "--partner", "agency-a"}, b.path());
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("unchanged at sequence 1") != std::string::npos);
    CHECK(Tdv({"lists", "subscribe", "--partner", "nobody"}, b.path()).exit_code == 2);
    // A misread of A's record: a possible match.
    json p = partner_of(Tdv(check, b.path()));
    CHECK(p["status"] == "hit");
    CHECK(p["hits"][0]["match"] == "possible");

    // A lists the document itself; B's next subscription takes it.
    Import(a.path(), "sltd", "UTO,P,L898902C3,stolen\n", true);
    r = Tdv({"lists", "subscribe"}, b.path());
    CHECK(r.out.find("a delta: 4 entries of sltd, sequence 2") != std::string::npos);
    // Kept as A signed it, beside the whole answer.
    const std::filesystem::path delta = b.path() / "feeds" / "agency-a.delta.1";
    REQUIRE(std::filesystem::exists(delta));
    CHECK(partner_of(Tdv(check, b.path()))["hits"][0]["match"] == "exact");
    // Without its index, a start verifies the whole answer and the delta
    // after it, in order, and indexes the result again.
    const std::string indexed = tdv::testing::ReadFile(b.path() / "feeds" / "agency-a.index");
    std::filesystem::remove(b.path() / "feeds" / "agency-a.index");
    CHECK(partner_of(Tdv(check, b.path()))["hits"][0]["match"] == "exact");
    CHECK(tdv::testing::ReadFile(b.path() / "feeds" / "agency-a.index") == indexed);
    // A replaces the list whole: no delta spans that; B takes the feed whole
    // and keeps no delta.
    Import(a.path(), "sltd", "UTO,P,L898902C3,stolen\nUTO,P,L8989O2C3,stolen\n", false);
    r = Tdv({"lists", "subscribe"}, b.path());
    INFO(r.out << r.err);
    CHECK(r.out.find("agency-a: 4 entries of sltd, sequence 3") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(delta));
    CHECK(tdv::testing::ReadFile(b.path() / "feeds" / "agency-a.state").find("\"deltas\":0") !=
          std::string::npos);
    // And a delta after it again.
    Import(a.path(), "sltd", "UTO,P,C01X00T47,lost\n", true);
    r = Tdv({"lists", "subscribe"}, b.path());
    CHECK(r.out.find("a delta: 6 entries of sltd, sequence 4") != std::string::npos);
    REQUIRE(std::filesystem::exists(delta));
    // A's trail: the feeds served, no number.
    auto audit = Tdv({"audit", "show", "--json"}, a.path());
    CHECK(audit.out.find("exchange.feed") != std::string::npos);
    CHECK(audit.out.find("L898902C3") == std::string::npos);
    CHECK(tdv::testing::ReadFile(agency_a.log).find("L898902C3") == std::string::npos);
  }
  // A stopped: B checks offline against the feed it keeps, without trying
  // A first (the copy is younger than partners_refresh_seconds; an
  // unreachable partner cost each check its timeout).
  auto r = Tdv(check, b.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("agency-a") == std::string::npos);
  json report = json::parse(r.out);
  CHECK(report["verdict"] == "review");
  CHECK(report["partners"][0]["status"] == "hit");
  CHECK(report["partners"][0]["hits"][0]["match"] == "exact");
  CHECK_FALSE(report["partners"][0]["hits"][0].contains("shared"));  // A shares no details
  CHECK(report["reasons"][0]["code"] == "partner_list_hit");
  const std::string reference = report["partners"][0]["hits"][0]["reference"];
  // A confirms a feed's reference with the partner's key id.
  auto confirm = Tdv({"exchange", "confirm", reference, "--partner", b_id, "--json"}, a.path());
  INFO(confirm.err);
  REQUIRE(confirm.exit_code == 0);
  CHECK(json::parse(confirm.out)[0]["document_number"] == "L898902C3");
  // Another document: clear of the partner.
  const std::string other =
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO7408122F1204159ZE184226B<<<<<18";
  CHECK(
      partner_of(Tdv({"check", "--mrz", other, "--allow-specimens", "--no-check-expiry", "--json"},
                     b.path()))["status"] == "clear");
  // B holds none of A's numbers (the look-alike record B never checked).
  CHECK(AllBytes(b.path()).find("L8989O2C3") == std::string::npos);
  CHECK(AllBytes(b.path()).find("C01X00T47") == std::string::npos);
  // What a check loads is the copy's verified index (feeds/agency-a.index):
  // taken as it is, not written again.
  const std::filesystem::path index = b.path() / "feeds" / "agency-a.index";
  const auto inode = [&] {
    struct stat st {};
    return ::stat(index.c_str(), &st) == 0 ? st.st_ino : 0;
  };
  const std::string good = tdv::testing::ReadFile(index);
  const auto first = inode();
  REQUIRE(first != 0);
  CHECK(partner_of(Tdv(check, b.path()))["hits"][0]["match"] == "exact");
  CHECK(inode() == first);
  // An index altered (its MAC fails), or the index of the copy B kept
  // before (its MAC holds, its sequence and bytes are another copy's): not
  // taken; the copy is verified again, read as it is, and indexed anew.
  for (int i = 0; i < 2; ++i) {
    std::string bad = i == 0 ? good : index_1;
    if (i == 0) bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 1);
    std::ofstream(index, std::ios::binary | std::ios::trunc) << bad;
    json p = partner_of(Tdv(check, b.path()));
    CHECK(p["status"] == "hit");
    CHECK(p["hits"][0]["match"] == "exact");  // the first copy's index has a possible match only
    CHECK(tdv::testing::ReadFile(index) == good);
  }
  // Another signer trusted now: the copy is verified again, against it.
  b_config(a_port, "other-ca.pem");
  CHECK(partner_of(Tdv(check, b.path()))["status"] == "unavailable");
  b_config(a_port, "ca.pem");
  CHECK(partner_of(Tdv(check, b.path()))["status"] == "hit");
  const std::filesystem::path delta = b.path() / "feeds" / "agency-a.delta.1";
  // The delta kept altered on disk: unavailable, never a pass (nor the
  // copy before it).
  const std::string kept_delta = tdv::testing::ReadFile(delta);
  {
    // A byte of the signed payload (some bytes of a CMS container are
    // not covered by its signature: the payload is what must be whole).
    std::string bad = kept_delta;
    const std::size_t at = bad.find("\"payload\"") + 24;
    bad[at] = bad[at] == 'A' ? 'B' : 'A';
    std::ofstream(delta, std::ios::trunc) << bad;
  }
  CHECK(partner_of(Tdv(check, b.path()))["status"] == "unavailable");
  std::ofstream(delta, std::ios::trunc) << kept_delta;
  CHECK(partner_of(Tdv(check, b.path()))["hits"][0]["match"] == "exact");
  // The kept copy altered on disk: the partner is unavailable, never a pass.
  {
    std::string copy = tdv::testing::ReadFile(b.path() / "feeds" / "agency-a.feed");
    copy[copy.size() / 2] = copy[copy.size() / 2] == 'A' ? 'B' : 'A';
    std::ofstream(b.path() / "feeds" / "agency-a.feed", std::ios::trunc) << copy;
  }
  json altered = partner_of(Tdv(check, b.path()));
  CHECK(altered["status"] == "unavailable");
}

TEST_CASE("two agencies in mode 2 with A's feed_details: B's officer sees status and dates",
          "[cli][exchange]") {
  TempDir a, b;
  const std::filesystem::path tls = std::filesystem::path(TDV_TEST_PKI_DIR) / "tls";
  const auto import = [&](const std::string& rows, bool delta) {
    const auto file = a.path() / "sltd.csv";
    std::ofstream(file) << "issuing_state,document_type,document_number,status,date_reported,"
                           "expiry_date,reporting_agency,reason\n"
                        << rows;
    std::vector<std::string> args = {"lists",    "import",     "--list",     "sltd",
                                     "--source", "UTO-POLICE", file.string()};
    if (delta) args.push_back("--delta");
    auto r = Tdv(args, a.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  import("UTO,P,L898902C3,stolen,2026-03-14,2031-03-13,UTO-POLICE-7,desk report\n", false);
  const std::string for_b = Key(a.path(), "partner");
  const std::string b_id = for_b.substr(4, 16);
  std::ofstream(a.path() / "config.json") << json{
      {"exchange_lists", {"sltd"}},
      {"feed_signer_cert", (tls / "feed-a.pem").string()},
      {"feed_signer_key", (tls / "feed-a.key").string()},
      {"feed_details", true}}.dump();
  auto fk = Tdv({"exchange", "feed-key", b_id}, a.path());
  REQUIRE(fk.exit_code == 0);
  std::ofstream(b.path() / "agency-a.feed-key") << fk.out;
  std::ofstream(b.path() / "agency-a.key") << for_b << "\n";
  const std::vector<std::string> check = {
      "check",
      "--mrz",
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      "--allow-specimens",
      "--no-check-expiry",
      "--json"};
  const auto hit_of = [&]() {
    auto r = Tdv(check, b.path());
    INFO(r.err);
    REQUIRE_FALSE(r.out.empty());
    const json report = json::parse(r.out);
    REQUIRE(report["partners"].size() == 1);
    REQUIRE(report["partners"][0]["status"] == "hit");
    CHECK(report["verdict"] == "review");  // the partner's word, not yet confirmed
    return report;
  };
  {
    tdv::testing::Serving agency_a(TDV_BINARY, a.path());
    REQUIRE(agency_a.port != 0);
    std::ofstream(b.path() / "config.json")
        << json{{"partners",
                 {{{"name", "agency-a"},
                   {"url", "http://127.0.0.1:" + std::to_string(agency_a.port)},
                   {"key_file", (b.path() / "agency-a.key").string()},
                   {"feed",
                    {{"list", "sltd"},
                     {"key_file", (b.path() / "agency-a.feed-key").string()},
                     {"signer", (tls / "ca.pem").string()}}}}}}}
               .dump();
    auto r = Tdv({"lists", "subscribe"}, b.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    json report = hit_of();
    json shared = report["partners"][0]["hits"][0]["shared"];
    REQUIRE(shared.size() == 1);
    CHECK(shared[0] == json{{"document_type", "P"},
                            {"status", "stolen"},
                            {"date_reported", "2026-03-14"},
                            {"expiry_date", "2031-03-13"}});
    CHECK(report["reasons"][0]["message"].get<std::string>().find(
              "the partner's record: P stolen, reported 2026-03-14, expiry 2031-03-13") !=
          std::string::npos);
    // A changes the record's status: B's next subscription takes it as a
    // delta, with the record's details as they are now.
    import("UTO,P,L898902C3,revoked,2026-03-14,2031-03-13,UTO-POLICE-7,desk report\n", true);
    r = Tdv({"lists", "subscribe"}, b.path());
    CHECK(r.out.find("a delta: 2 entries of sltd, sequence 2") != std::string::npos);
    CHECK(hit_of()["partners"][0]["hits"][0]["shared"][0]["status"] == "revoked");
  }
  // Offline, from the index; and without it, from the whole answer and the
  // delta verified again: the same details.
  CHECK(hit_of()["partners"][0]["hits"][0]["shared"][0]["status"] == "revoked");
  std::filesystem::remove(b.path() / "feeds" / "agency-a.index");
  CHECK(hit_of()["partners"][0]["hits"][0]["shared"][0]["status"] == "revoked");
  REQUIRE(std::filesystem::exists(b.path() / "feeds" / "agency-a.index"));
  // Status and dates only: neither the number, the agency nor the reason.
  const std::string kept = AllBytes(b.path());
  CHECK(kept.find("L898902C3") == std::string::npos);
  CHECK(kept.find("UTO-POLICE-7") == std::string::npos);
  CHECK(kept.find("desk report") == std::string::npos);
}

}  // namespace
}  // namespace tdv::app
