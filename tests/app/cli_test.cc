// SPDX-License-Identifier: Apache-2.0
// The `tdv` command line, run as a real process: exit codes, --json, stdin,
// --data and configuration.
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "catch.h"
#include "process.h"
#include "specimens.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;

ProcessResult Tdv(std::vector<std::string> args, const std::string& stdin_text = "",
                  std::vector<std::string> env = {}) {
  args.insert(args.begin(), TDV_BINARY);
  // Never touch the user's real state: every run gets its own data dir
  // unless the test sets one.
  return tdv::testing::Run(args, stdin_text, env);
}

TEST_CASE("tdv check: exit 0 on a valid MRZ, 1 on an invalid one", "[cli]") {
  TempDir data;
  const std::string d = data.path().string();
  ProcessResult r = Tdv({"check", "--data", d, "--allow-specimens", "--as-of", "2011-06-01",
                         "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("clear") != std::string::npos);
  r = Tdv({"check", "--data", d, "--allow-specimens", "--mrz", testing::kTd3BadCheck});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("document_number") != std::string::npos);
  // Specimens without --allow-specimens are not valid.
  r = Tdv({"check", "--data", d, "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 1);
}

TEST_CASE("tdv check --json prints the report contract", "[cli]") {
  TempDir data;
  ProcessResult r = Tdv({"check", "--data", data.path().string(), "--allow-specimens", "--json",
                         "--as-of", "2011-06-01", "--mrz", testing::kTd1Specimen});
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["verdict"] == "clear");
  CHECK(j["mrz"]["format"] == "TD1");
  CHECK(j["mrz"]["valid"] == true);
  CHECK(j["mrz"]["lines"].size() == 3);
  CHECK(j["mrz"]["fields"]["document_number"] == "D23145890");
  CHECK(j["mrz"]["fields"]["birth_date"] == "1974-08-12");
  CHECK(j["mrz"]["fields"]["birth_date_raw"] == "740812");
  CHECK(j["mrz"]["fields"].contains("optional_data_2"));
  CHECK(j["mrz"]["errors"].is_array());
}

TEST_CASE("tdv check --mrz - reads standard input, CRLF and all", "[cli]") {
  TempDir data;
  std::string text = testing::kTd3Specimen;
  text.replace(text.find('\n'), 1, "\r\n");
  ProcessResult r = Tdv({"check", "--data", data.path().string(), "--allow-specimens", "--as-of",
                         "2011-06-01", "--json", "--mrz", "-"},
                        "  " + text + "\r\n");
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["mrz"]["format"] == "TD3");
}

TEST_CASE("tdv check: usage errors exit 2 with a message", "[cli]") {
  TempDir data;
  const std::string d = data.path().string();
  ProcessResult r = Tdv({"check", "--data", d});  // no --mrz
  CHECK(r.exit_code == 2);
  CHECK_FALSE(r.err.empty());
  r = Tdv({"check", "--data", d, "--mrz", "-"}, "   \n");  // empty stdin
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no MRZ") != std::string::npos);
  r = Tdv({"check", "--data", d, "--mrz", testing::kTd3Specimen, "--as-of", "2024-13-01"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--as-of") != std::string::npos);
  r = Tdv({"frobnicate"});
  CHECK(r.exit_code == 2);
  r = Tdv({"check", "--data", d, "--mrz", "x", "--no-such-flag"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("an unparseable MRZ is invalid (1), with its error", "[cli]") {
  TempDir data;
  ProcessResult r =
      Tdv({"check", "--data", data.path().string(), "--json", "--mrz", "HELLO WORLD"});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["mrz"]["valid"] == false);
  CHECK(j["mrz"]["format"].is_null());
  CHECK_FALSE(j["mrz"]["errors"].empty());
}

TEST_CASE("configuration comes from DATA/config.json, TDV_DATA_DIR, or --config", "[cli]") {
  TempDir data;
  std::ofstream(data.path() / "config.json")
      << R"({"allow_specimens": true, "check_expiry": true})";
  // From --data: specimens allowed, expiry checked (the specimen expired in 2012).
  ProcessResult r =
      Tdv({"check", "--data", data.path().string(), "--json", "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j["policy"]["allow_specimens"] == true);
  CHECK(j["verdict"] == "reject");
  CHECK(j["reasons"][0]["code"] == "document_expired");
  // From TDV_DATA_DIR.
  r = Tdv({"check", "--json", "--as-of", "2012-01-01", "--mrz", testing::kTd3Specimen}, "",
          {"TDV_DATA_DIR=" + data.path().string()});
  CHECK(r.exit_code == 0);
  // A broken config is a usage error, not silently ignored.
  TempDir bad;
  std::ofstream(bad.path() / "config.json") << R"({"allow_specimens": "yes"})";
  r = Tdv({"check", "--data", bad.path().string(), "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("allow_specimens") != std::string::npos);
  std::ofstream(bad.path() / "other.json") << R"({"no_such_key": 1})";
  r = Tdv({"check", "--data", bad.path().string(), "--config", (bad.path() / "other.json").string(),
           "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no_such_key") != std::string::npos);
  r = Tdv({"check", "--config", (bad.path() / "missing.json").string(), "--mrz",
           testing::kTd3Specimen});
  CHECK(r.exit_code == 2);
  // TDV_<SETTING> overrides the file: its value JSON, else a string; a bad
  // value is a usage error naming the variable, not the file.
  r = Tdv({"check", "--data", data.path().string(), "--json", "--mrz", testing::kTd3Specimen}, "",
          {"TDV_ALLOW_SPECIMENS=false"});
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["policy"]["allow_specimens"] == false);
  // The specimen expired in 2012: rejected by default, held for review
  // when the environment says an expired document is reviewed.
  r = Tdv({"check", "--data", data.path().string(), "--json", "--as-of", "2026-01-01", "--mrz",
           testing::kTd3Specimen},
          "", {"TDV_EXPIRED=review"});
  CHECK(json::parse(r.out)["verdict"] == "review");
  r = Tdv({"check", "--data", data.path().string(), "--mrz", testing::kTd3Specimen}, "",
          {"TDV_THREADS=many"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("TDV_THREADS") != std::string::npos);
  CHECK(r.err.find("config.json") == std::string::npos);
  // A number beyond an integer setting's width is out of range, not the
  // value it wraps to (2^32 + 1 read as 1 thread).
  std::ofstream(bad.path() / "wide.json") << R"({"threads": 4294967297})";
  r = Tdv(
      {"check", "--config", (bad.path() / "wide.json").string(), "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("threads") != std::string::npos);
  r = Tdv({"check", "--data", data.path().string(), "--mrz", testing::kTd3Specimen}, "",
          {"TDV_MIN_BODY_RATE=-5"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("min_body_rate") != std::string::npos);
}

TEST_CASE("tdv serve answers over HTTP and stops on SIGTERM", "[cli]") {
  TempDir data;
  const auto log = data.path() / "serve.log";
  // Port 0: the kernel picks a free port; the URL is printed on start.
  tdv::testing::Background server(
      {TDV_BINARY, "serve", "--data", data.path().string(), "--listen", "127.0.0.1:0"}, log);
  REQUIRE(server.started());
  std::string url;
  for (int i = 0; i < 250 && url.empty(); ++i) {
    usleep(20 * 1000);
    const std::string text = tdv::testing::ReadFile(log);
    const auto at = text.find("http://");
    if (at != std::string::npos) url = text.substr(at, text.find('/', at + 7) - at);
  }
  REQUIRE_FALSE(url.empty());
  const std::string port = url.substr(url.rfind(':') + 1);
  // A plain HTTP/1.1 exchange over bash's /dev/tcp: nothing of ours on the client side.
  const ProcessResult r =
      tdv::testing::Run({"bash", "-c",
                         "exec 3<>/dev/tcp/127.0.0.1/" + port +
                             " && printf 'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: "
                             "close\\r\\n\\r\\n' >&3 && cat <&3"});
  CHECK(r.out.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(r.out.find("\"ok\"") != std::string::npos);

  // The first start made an admin key: printed once, and in DATA/admin.key
  // readable only by its owner.
  const auto key_file = data.path() / "admin.key";
  REQUIRE(std::filesystem::exists(key_file));
  CHECK((std::filesystem::status(key_file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  const std::string key = tdv::testing::AdminKey(data.path());
  CHECK(key.rfind("tdv_", 0) == 0);
  CHECK(tdv::testing::ReadFile(log).find(key) != std::string::npos);
  // Verify needs it.
  httplib::Client client("127.0.0.1", std::stoi(port));
  const nlohmann::json body = {{"mrz", tdv::testing::kTd1Specimen}, {"allow_specimens", true}};
  auto none = client.Post("/v1/verify", body.dump(), "application/json");
  REQUIRE(none);
  CHECK(none->status == 401);
  auto ok = client.Post("/v1/verify", {{"Authorization", "Bearer " + key}}, body.dump(),
                        "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(nlohmann::json::parse(ok->body)["mrz"]["valid"] == true);
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
  CHECK(tdv::testing::ReadFile(log).find("stopped") != std::string::npos);

  // A second start keeps the keys it has: no new admin key.
  tdv::testing::Background again(
      {TDV_BINARY, "serve", "--data", data.path().string(), "--listen", "127.0.0.1:0"},
      data.path() / "serve2.log");
  REQUIRE(again.started());
  for (int i = 0; i < 250; ++i) {
    usleep(20 * 1000);
    if (tdv::testing::ReadFile(data.path() / "serve2.log").find("http://") != std::string::npos)
      break;
  }
  CHECK(tdv::testing::ReadFile(data.path() / "serve2.log").find("first start") ==
        std::string::npos);
  again.Signal(SIGTERM);
  CHECK(again.Wait(5000) == 0);
  CHECK(tdv::testing::ReadFile(key_file).rfind(key, 0) == 0);
}

TEST_CASE("tdv keys: create prints a key once, list shows no secret, revoke stops it",
          "[cli][keys]") {
  TempDir data;
  ProcessResult r = Tdv(
      {"keys", "create", "--data", data.path().string(), "--role", "officer", "--label", "desk 7"});
  REQUIRE(r.exit_code == 0);
  std::string key = r.out;
  while (!key.empty() && key.back() == '\n') key.pop_back();
  REQUIRE(key.rfind("tdv_", 0) == 0);
  const std::string id = key.substr(4, 16);
  const std::string secret = key.substr(21);
  r = Tdv({"keys", "list", "--data", data.path().string(), "--json"});
  REQUIRE(r.exit_code == 0);
  const auto listed = nlohmann::json::parse(r.out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == id);
  CHECK(listed[0]["role"] == "officer");
  CHECK(listed[0]["label"] == "desk 7");
  CHECK(listed[0]["revoked_at"].is_null());
  CHECK(r.out.find(secret) == std::string::npos);
  // Bad input: an unknown role, a list-admin without its source, no role.
  CHECK(Tdv({"keys", "create", "--data", data.path().string(), "--role", "root"}).exit_code == 2);
  CHECK(Tdv({"keys", "create", "--data", data.path().string(), "--role", "list-admin"}).exit_code ==
        2);
  CHECK(Tdv({"keys", "create", "--data", data.path().string()}).exit_code == 2);
  // Revoke: once, then "already", and an unknown id.
  CHECK(Tdv({"keys", "revoke", "--data", data.path().string(), id}).exit_code == 0);
  r = Tdv({"keys", "revoke", "--data", data.path().string(), id});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("revoked already") != std::string::npos);
  CHECK(Tdv({"keys", "revoke", "--data", data.path().string(), "ffffffffffffffff"}).exit_code == 2);
  r = Tdv({"keys", "list", "--data", data.path().string(), "--json"});
  CHECK_FALSE(nlohmann::json::parse(r.out)[0]["revoked_at"].is_null());
}

TEST_CASE("tdv audit: checks and changes are recorded; verify finds an altered entry",
          "[cli][audit]") {
  TempDir data;
  const std::string d = data.path().string();
  REQUIRE(Tdv({"check", "--data", d, "--allow-specimens", "--as-of", "2011-06-01", "--mrz",
               testing::kTd3Specimen})
              .exit_code == 0);
  ProcessResult r = Tdv({"keys", "create", "--data", d, "--role", "auditor"});
  REQUIRE(r.exit_code == 0);
  const std::string id = r.out.substr(4, 16);
  REQUIRE(Tdv({"keys", "revoke", "--data", d, id}).exit_code == 0);
  // The audit key is the owner's alone.
  const auto owner_only = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  CHECK((std::filesystem::status(data.path() / "audit.key").permissions() &
         std::filesystem::perms::all) == owner_only);

  r = Tdv({"audit", "show", "--data", d, "--json"});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["entries"].size() == 3);
  CHECK(j["entries"][0]["action"] == "verify");
  CHECK(j["entries"][0]["verdict"] == "clear");
  CHECK(j["entries"][0]["key_id"].get<std::string>().rfind("cli:", 0) == 0);
  CHECK(j["entries"][1]["action"] == "keys.create");
  CHECK(j["entries"][1]["detail"] == "id=" + id + " role=auditor");
  CHECK(j["entries"][2]["action"] == "keys.revoke");
  CHECK(r.out.find("L898902C3") == std::string::npos);
  // A document's checks by its number (hashed with the trail's key).
  r = Tdv({"audit", "show", "--data", d, "--json", "--state", "UTO", "--type", "P", "--number",
           "L898902C3"});
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["entries"].size() == 1);
  CHECK(Tdv({"audit", "show", "--data", d, "--state", "UTO"}).exit_code == 2);

  r = Tdv({"audit", "verify", "--data", d, "--json"});
  REQUIRE(r.exit_code == 0);
  j = nlohmann::json::parse(r.out);
  CHECK(j["entries"] == 3);
  CHECK(j["intact"] == true);
  CHECK(j["head_seq"] == 3);

  // Someone edits the database: the verdict of the first check.
  REQUIRE(tdv::testing::SqliteExec(data.path() / "audit.db",
                                   "update audit set verdict='reject' where seq=1")
              .exit_code == 0);
  r = Tdv({"audit", "verify", "--data", d});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("seq 1: altered") != std::string::npos);
  CHECK(r.out.find("chain BROKEN") != std::string::npos);

  // No trail, no check: a broken audit key stops checks with exit 5.
  std::ofstream(data.path() / "audit.key", std::ios::trunc) << "not a key\n";
  r = Tdv({"check", "--data", d, "--allow-specimens", "--mrz", testing::kTd3Specimen});
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("audit.key") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("tdv audit erase: document fields past their retention go; the chain holds",
          "[cli][audit]") {
  TempDir data;
  const std::string d = data.path().string();
  std::ofstream(data.path() / "config.json") << R"({"audit_document_number_in_clear": true})";
  for (int i = 0; i < 2; ++i) {
    REQUIRE(Tdv({"check", "--data", d, "--allow-specimens", "--as-of", "2011-06-01", "--mrz",
                 testing::kTd3Specimen})
                .exit_code == 0);
  }
  ProcessResult r = Tdv({"audit", "show", "--data", d});
  CHECK(r.out.find("L898902C3") != std::string::npos);
  // No retention period set and none given; a bad time.
  r = Tdv({"audit", "erase", "--data", d});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("audit_personal_days") != std::string::npos);
  CHECK(Tdv({"audit", "erase", "--data", d, "--before", "yesterday"}).exit_code == 2);
  CHECK(Tdv({"audit", "erase", "--data", d, "--older-than", "0"}).exit_code != 0);
  // Entries of today are not a day old.
  r = Tdv({"audit", "erase", "--data", d, "--older-than", "1"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("nothing to erase") != std::string::npos);

  r = Tdv({"audit", "erase", "--data", d, "--before", "2999-01-01"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("erased the document fields of 2 entries (up to seq 2)") != std::string::npos);
  r = Tdv({"audit", "show", "--data", d, "--json"});
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["entries"].size() == 3);
  CHECK(j["entries"][0]["verdict"] == "clear");
  CHECK(j["entries"][2]["action"] == "audit.erase");
  CHECK(r.out.find("L898902C3") == std::string::npos);
  r = Tdv({"audit", "show", "--data", d, "--json", "--state", "UTO", "--type", "P", "--number",
           "L898902C3"});
  CHECK(nlohmann::json::parse(r.out)["entries"].empty());
  r = Tdv({"audit", "verify", "--data", d, "--json"});
  CHECK(r.exit_code == 0);
  j = nlohmann::json::parse(r.out);
  CHECK(j["intact"] == true);
  CHECK(j["erased"] == 2);
  // Not in the file either.
  std::ifstream in(data.path() / "audit.db", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  CHECK_FALSE(bytes.empty());
  CHECK(bytes.find("L898902C3") == std::string::npos);

  // Putting a number back is found.
  REQUIRE(tdv::testing::SqliteExec(data.path() / "audit.db",
                                   "update audit set document_number='L898902C3' where seq=1")
              .exit_code == 0);
  r = Tdv({"audit", "verify", "--data", d});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("seq 1: its document fields were altered") != std::string::npos);
}

// Deletes the trail's entries after `seq`, as whoever can write the data
// directory (but holds no key) could.
void DeleteAfter(const std::filesystem::path& data, int seq) {
  REQUIRE(tdv::testing::SqliteExec(data / "audit.db",
                                   "delete from audit where seq > " + std::to_string(seq))
              .exit_code == 0);
}

TEST_CASE("tdv audit checkpoint: deleting the newest entries is found, with how many",
          "[cli][audit]") {
  TempDir data, elsewhere;
  const std::string d = data.path().string();
  CHECK(Tdv({"audit", "checkpoint", "--data", d}).exit_code == 1);  // nothing to checkpoint yet
  for (int i = 0; i < 5; ++i) {
    REQUIRE(Tdv({"check", "--data", d, "--allow-specimens", "--as-of", "2011-06-01", "--mrz",
                 testing::kTd3Specimen})
                .exit_code == 0);
  }
  ProcessResult r = Tdv({"audit", "checkpoint", "--data", d});
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.rfind("tdv-audit-checkpoint seq=5 mac=", 0) == 0);
  const auto kept = elsewhere.path() / "checkpoints";
  std::ofstream(kept) << r.out;

  r = Tdv({"audit", "verify", "--data", d, "--checkpoint", kept.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("chain intact; head seq 5") != std::string::npos);
  CHECK(r.out.find("checkpoint seq 5") != std::string::npos);
  CHECK(r.out.find(": held") != std::string::npos);

  DeleteAfter(data.path(), 3);
  // The chain alone cannot tell...
  r = Tdv({"audit", "verify", "--data", d});
  CHECK(r.exit_code == 0);
  // ...the checkpoint can, and says how many.
  r = Tdv({"audit", "verify", "--data", d, "--checkpoint", kept.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("2 entries missing at the end") != std::string::npos);
  CHECK(r.out.find("chain BROKEN") != std::string::npos);
  r = Tdv({"audit", "verify", "--data", d, "--json", "--checkpoint", "-"},
          tdv::testing::ReadFile(kept));
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["missing"] == 2);
  CHECK(j["intact"] == false);
  CHECK(j["checkpoint"]["seq"] == 5);

  // A checkpoint edited to say less, or no checkpoint at all: exit 2,
  // never a pass.
  std::string line = tdv::testing::ReadFile(kept);
  line.replace(line.find("seq=5"), 5, "seq=3");
  std::ofstream(kept, std::ios::trunc) << line;
  r = Tdv({"audit", "verify", "--data", d, "--checkpoint", kept.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("not signed with this trail's key") != std::string::npos);
  std::ofstream(kept, std::ios::trunc) << "hello\n";
  r = Tdv({"audit", "verify", "--data", d, "--checkpoint", kept.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("holds no audit checkpoint") != std::string::npos);
  std::ofstream(kept, std::ios::trunc) << "tdv-audit-checkpoint seq=5 mac=00\n";
  r = Tdv({"audit", "verify", "--data", d, "--checkpoint", kept.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("line 1 is not a whole audit checkpoint") != std::string::npos);
  r = Tdv({"audit", "verify", "--data", d, "--checkpoint", (elsewhere.path() / "none").string()});
  CHECK(r.exit_code == 2);
}

TEST_CASE("tdv serve writes audit checkpoints to its log and a file, the last as it stops",
          "[cli][audit]") {
  TempDir data, elsewhere;
  const auto kept = elsewhere.path() / "checkpoints";
  std::ofstream(data.path() / "config.json")
      << json{{"audit_checkpoint_file", kept.string()}, {"audit_checkpoint_seconds", 1}}.dump();
  const auto log = data.path() / "serve.log";
  {
    tdv::testing::Serving serving(TDV_BINARY, data.path());
    REQUIRE(serving.port != 0);
    httplib::Client client("127.0.0.1", serving.port);
    const httplib::Headers auth{{"Authorization", "Bearer " + tdv::testing::AdminKey(data.path())}};
    const std::string body = json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();
    for (int i = 0; i < 3; ++i) {
      auto res = client.Post("/v1/verify", auth, body, "application/json");
      REQUIRE(res);
      REQUIRE(res->status == 200);
    }
    // Within a few periods, the head is checkpointed.
    for (int i = 0; i < 50 && tdv::testing::ReadFile(kept).empty(); ++i) usleep(100000);
    REQUIRE(tdv::testing::ReadFile(kept).find("tdv-audit-checkpoint seq=") != std::string::npos);
    auto res = client.Post("/v1/verify", auth, body, "application/json");
    REQUIRE(res);
    serving.process.Signal(SIGTERM);
    REQUIRE(serving.process.Wait(10000) == 0);
  }
  const std::string text = tdv::testing::ReadFile(kept);
  const std::string last = text.substr(text.rfind("tdv-audit-checkpoint"));
  // The last one, written as it stopped, holds the last answer's entry.
  ProcessResult r = Tdv({"audit", "verify", "--data", data.path().string(), "--json"});
  REQUIRE(r.exit_code == 0);
  const int head = json::parse(r.out)["head_seq"];
  CHECK(last.rfind("tdv-audit-checkpoint seq=" + std::to_string(head) + " ", 0) == 0);
  CHECK(tdv::testing::ReadFile(log).find("tdv: audit " + last.substr(0, last.size() - 1)) !=
        std::string::npos);
  // The log serves as the checkpoint file too.
  r = Tdv({"audit", "verify", "--data", data.path().string(), "--checkpoint", log.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("checkpoint seq " + std::to_string(head)) != std::string::npos);
  r = Tdv({"audit", "verify", "--data", data.path().string(), "--checkpoint", kept.string()});
  CHECK(r.exit_code == 0);
  DeleteAfter(data.path(), head - 1);
  r = Tdv({"audit", "verify", "--data", data.path().string(), "--checkpoint", kept.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("1 entry missing") != std::string::npos);
}

TEST_CASE("tdv serve refuses a bad listen address with exit 2", "[cli]") {
  TempDir data;
  ProcessResult r = Tdv({"serve", "--data", data.path().string(), "--listen", "nonsense"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("HOST:PORT") != std::string::npos);
}

}  // namespace
}  // namespace tdv::app

namespace tdv::app {
namespace {

TEST_CASE("tdv check IMAGE: a report with the image, exit 3 without an MRZ, 2 for a bad file",
          "[cli][vision]") {
  TempDir data;
  const std::string dir = std::string(TDV_SOURCE_DIR) + "/samples/images/";
  // Judged as of a fixed day: the sample expired in 2016, whatever the clock says.
  ProcessResult r = Tdv({"check", "--data", data.path().string(), "--allow-specimens", "--json",
                         "--as-of", "2026-01-01", dir + "td3-moderate-001.jpg"});
  REQUIRE(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["verdict"] == "reject");
  CHECK(j["reasons"][0]["code"] == "document_expired");
  CHECK(j["mrz"]["format"] == "TD3");
  CHECK(j["image"]["polygon"].size() == 4);
  CHECK(j["image"]["line_confidence"].size() == 2);
  // The text report says where the MRZ was, what OCR read and what changed.
  r = Tdv(
      {"check", "--data", data.path().string(), "--as-of", "2026-01-01", dir + "td2-hard-066.jpg"});
  REQUIRE(r.exit_code == 1);  // expired in 1998
  INFO(r.out);
  CHECK(r.out.find("MRZ at") != std::string::npos);
  CHECK(r.out.find(") (") != std::string::npos);  // the polygon's corners
  CHECK(r.out.find(" degrees") != std::string::npos);
  CHECK(r.out.find("OCR line 2") != std::string::npos);
  // Each OCR line's confidence, a probability with two decimals.
  const std::string label = "  confidence ";
  const std::size_t at = r.out.find(label, r.out.find("OCR line 1"));
  REQUIRE(at != std::string::npos);
  const std::string value = r.out.substr(at + label.size(), 4);
  CHECK(value.find_first_not_of("0123456789.") == std::string::npos);
  CHECK(value[1] == '.');
  CHECK(std::stod(value) <= 1.0);
  CHECK(r.out.find("time") != std::string::npos);
  // With Tesseract (no longer the default), the glyph cues are reported.
  setenv("TDV_RECOGNISER", "tesseract", 1);
  r = Tdv({"check", "--data", data.path().string(), dir + "td3-hard-026.jpg"});
  unsetenv("TDV_RECOGNISER");
  CHECK(r.out.find("H -> M (primary_identifier, glyph_shape)") != std::string::npos);
  r = Tdv({"check", "--data", data.path().string(), dir + "nomrz-000.jpg"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("no MRZ") != std::string::npos);
  const auto junk = data.path() / "junk.png";
  std::ofstream(junk) << "not an image";
  r = Tdv({"check", "--data", data.path().string(), junk.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("PNG, JPEG or BMP") != std::string::npos);
  r = Tdv({"check", "--data", data.path().string(), (data.path() / "missing.jpg").string()});
  CHECK(r.exit_code == 2);
  // An image and --mrz together: usage error.
  r = Tdv({"check", "--data", data.path().string(), "--mrz", testing::kTd3Specimen,
           dir + "nomrz-000.jpg"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("tdv policy prints the rules; the config sets them", "[cli][policy]") {
  ProcessResult r = Tdv({"policy", "--json"});
  REQUIRE(r.exit_code == 0);
  const json rules = json::parse(r.out);
  REQUIRE(rules.size() >= 10);
  bool expired = false;
  for (const auto& rule : rules) {
    if (rule["code"] == "document_expired") expired = true;
    CHECK(rule.contains("effect"));
    CHECK(rule.contains("when"));
  }
  CHECK(expired);
  TempDir data;
  const std::string d = data.path().string();
  // By default an expired document is rejected.
  r = Tdv({"check", "--data", d, "--allow-specimens", "--json", "--as-of", "2013-01-01", "--mrz",
           testing::kTd3Specimen});
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["reasons"][0]["code"] == "document_expired");
  // The config makes it a review, and puts UTO on the watch list.
  std::ofstream(data.path() / "config.json")
      << R"({"expired": "review", "watch_states": ["UTO"], "minor_age": 16})";
  r = Tdv({"check", "--data", d, "--allow-specimens", "--json", "--as-of", "2013-01-01", "--mrz",
           testing::kTd3Specimen});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["verdict"] == "review");
  std::set<std::string> codes;
  for (const auto& reason : j["reasons"]) codes.insert(reason["code"].get<std::string>());
  CHECK(codes.count("document_expired") == 1);
  CHECK(codes.count("watch_state") == 1);
  // Bad settings are refused with exit 2.
  for (const char* bad :
       {R"({"expired": "ignore"})", R"({"watch_states": ["ZZZ"]})", R"({"minor_age": -1})",
        R"({"review_visa_categories": "x"})", R"({"rate_limits": {"root": 1}})",
        R"({"rate_limits": {"officer": -1}})", R"({"partner_hit": "ignore"})",
        R"({"partners": {"name": "a"}})", R"({"partners": [{"name": "a", "url": "http://x"}]})",
        R"({"partners": [{"name": "a", "url": "ftp://x", "key_file": "k"}]})",
        R"({"partners": [{"name": "a", "url": "http://x", "key_file": "k", "colour": 1}]})",
        R"({"partners": [{"name": "a", "url": "http://x", "key_file": "k"},
                         {"name": "a", "url": "http://y", "key_file": "k"}]})",
        R"({"partners_refresh_seconds": 1})", R"({"audit_personal_days": -1})",
        R"({"audit_personal_days": "30"})", R"({"feed_signer_cert": 1})",
        R"({"partners": [{"name": "a", "url": "http://x", "key_file": "k",
                          "feed": {"list": "sltd"}}]})",
        R"({"partners": [{"name": "a", "url": "http://x", "key_file": "k",
                          "feed": {"list": "s", "key_file": "f", "signer": "c", "x": "y"}}]})"}) {
    std::ofstream(data.path() / "config.json") << bad;
    r = Tdv({"check", "--data", d, "--mrz", testing::kTd3Specimen});
    CHECK(r.exit_code == 2);
  }
}

}  // namespace
}  // namespace tdv::app
