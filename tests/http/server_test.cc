// SPDX-License-Identifier: Apache-2.0
// The HTTP surface, over real HTTP on loopback: a Server on a free port and
// an httplib client.
#include "tdv/http/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "catch.h"
#include "live_server.h"
#include "process.h"
#include "schema_check.h"
#include "specimens.h"
#include "tdv/http/keys.h"
#include "tdv/http/rate_limit.h"
#include "tdv/lists/key_store.h"

namespace tdv::http {
namespace {

using nlohmann::json;

TEST_CASE("GET /healthz answers ok", "[http]") {
  LiveServer s;
  auto res = s.client().Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["status"] == "ok");
}

TEST_CASE("POST /v1/verify returns the report", "[http]") {
  LiveServer s;
  json req = {{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}};
  auto res = s.client().Post("/v1/verify", req.dump(), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  const json r = json::parse(res->body);
  CHECK(r["verdict"] == "clear");
  CHECK(r["mrz"]["format"] == "TD3");
  CHECK(r["mrz"]["valid"] == true);
  CHECK(r["mrz"]["lines"].size() == 2);
  const json& f = r["mrz"]["fields"];
  CHECK(f["document_code"] == "P");
  CHECK(f["issuing_state"] == "UTO");
  CHECK(f["document_number"] == "L898902C3");
  CHECK(f["primary_identifier"] == "ERIKSSON");
  CHECK(f["secondary_identifier"] == "ANNA MARIA");
  CHECK(f["nationality"] == "UTO");
  CHECK(f["birth_date"] == "1974-08-12");
  CHECK(f["birth_date_raw"] == "740812");
  CHECK(f["sex"] == "F");
  CHECK(f["expiry_date"] == "2012-04-15");
  CHECK(f["optional_data"] == "ZE184226B");
  CHECK(r["mrz"]["errors"].empty());
}

TEST_CASE("an invalid MRZ is a 200 report with errors and a reject verdict", "[http]") {
  LiveServer s;
  json req = {{"mrz", testing::kTd3BadCheck}, {"allow_specimens", true}};
  auto res = s.client().Post("/v1/verify", req.dump(), "application/json; charset=utf-8");
  REQUIRE(res);
  CHECK(res->status == 200);
  const json r = json::parse(res->body);
  CHECK(r["verdict"] == "reject");
  CHECK(r["mrz"]["valid"] == false);
  REQUIRE(r["mrz"]["errors"].size() >= 1);
  bool found = false;
  for (const json& e : r["mrz"]["errors"]) {
    if (e["field"] == "document_number" && e["code"] == "check_digit_mismatch") {
      found = true;
      CHECK(e["line"] == 2);
      CHECK(e["start"] == 10);
      CHECK(e["end"] == 10);
      CHECK(e["expected"] == "6");
      CHECK_FALSE(e["message"].get<std::string>().empty());
    }
  }
  CHECK(found);
}

TEST_CASE("specimens follow the request's allow_specimens", "[http]") {
  LiveServer s;
  json req = {{"mrz", testing::kTd3Specimen}};
  auto res = s.client().Post("/v1/verify", req.dump(), "application/json");
  REQUIRE(res);
  CHECK(json::parse(res->body)["verdict"] == "reject");
}

TEST_CASE("malformed requests get problem+json", "[http]") {
  LiveServer s;
  SECTION("broken JSON: 400") {
    Problem(s.client().Post("/v1/verify", "{\"mrz\": ", "application/json"), 400);
  }
  SECTION("wrong media type: 415") {
    Problem(s.client().Post("/v1/verify", "P<UTO", "text/plain"), 415);
  }
  SECTION("no mrz: 422") { Problem(s.client().Post("/v1/verify", "{}", "application/json"), 422); }
  SECTION("wrong member type: 422") {
    Problem(s.client().Post("/v1/verify", R"({"mrz": 5})", "application/json"), 422);
  }
  SECTION("unknown member: 422 naming it") {
    json b = Problem(s.client().Post("/v1/verify", R"({"mrz": "x", "alow_specimens": true})",
                                     "application/json"),
                     422);
    CHECK(b["detail"].get<std::string>().find("alow_specimens") != std::string::npos);
  }
  SECTION("not an object: 422") {
    Problem(s.client().Post("/v1/verify", "[1,2]", "application/json"), 422);
  }
  SECTION("bad as_of date: 422") {
    Problem(
        s.client().Post("/v1/verify", R"({"mrz": "x", "as_of": "2024-02-30"})", "application/json"),
        422);
  }
  SECTION("unknown route: 404") { Problem(s.client().Get("/v2/nothing"), 404); }
  SECTION("wrong method: 405 with Allow") {
    auto res = s.client().Get("/v1/verify");
    Problem(res, 405);
    CHECK(res->get_header_value("Allow") == "POST");
  }
}

TEST_CASE("a body over the limit is refused with 413", "[http]") {
  ServerOptions o;
  o.max_body_bytes = 1024;
  LiveServer s(o);
  const std::string big = R"({"mrz": ")" + std::string(4096, 'A') + "\"}";
  Problem(s.client().Post("/v1/verify", big, "application/json"), 413);
  // And the server still answers afterwards.
  auto res = s.client().Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
}

// Fail closed: a key store that cannot be read (its table gone, as after a
// botched restore) answers 503, never 401 and never a pass; it answers
// again once the store is back.
TEST_CASE("keys: a key store that cannot be read is 503, and the service recovers with it",
          "[http][keys]") {
  KeyFixture fx;
  auto officer = fx.keys.Create("officer", "", "desk 1");
  REQUIRE(officer.has_value());
  ServerOptions o;
  o.keys = &fx.keys;
  LiveServer s(o);
  const std::string body = json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();
  const httplib::Headers auth{{"Authorization", "Bearer " + officer->key}};
  auto sql = [&](const std::string& statement) {
    REQUIRE(tdv::testing::SqliteExec(fx.file(), statement).exit_code == 0);
  };
  auto ok = s.client().Post("/v1/verify", auth, body, "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  sql("ALTER TABLE api_keys RENAME TO api_keys_away");
  // A key read in the last second is taken from the cache, which only
  // TDV's own changes invalidate: wait it out.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto down = s.client().Post("/v1/verify", auth, body, "application/json");
  const json problem = Problem(down, 503);
  CHECK(problem["type"] == "urn:tdv:problem:unavailable");
  CHECK_FALSE(down->has_header("WWW-Authenticate"));
  CHECK(down->body.find("\"verdict\"") == std::string::npos);
  sql("ALTER TABLE api_keys_away RENAME TO api_keys");
  auto back = s.client().Post("/v1/verify", auth, body, "application/json");
  REQUIRE(back);
  CHECK(back->status == 200);
}

// A key store on a real SQLite file in a temporary directory.
TEST_CASE("keys: no key 401, another role 403, a revoked key 401 at once", "[http][keys]") {
  KeyFixture fx;
  KeyManager& keys = fx.keys;
  auto officer = keys.Create("officer", "", "desk 1");
  auto integrator = keys.Create("integrator", "", "border system");
  auto auditor = keys.Create("auditor", "", "audit office");
  auto admin = keys.Create("admin", "", "ops");
  REQUIRE((officer && integrator && auditor && admin));
  // A list-admin key needs its source; unknown roles are refused.
  CHECK_FALSE(keys.Create("list-admin", "", "x").has_value());
  CHECK(keys.Create("list-admin", "AGENCY-A", "x").has_value());
  CHECK(keys.Create("root", "", "x").error().code == ErrorCode::kInvalidInput);

  ServerOptions o;
  o.keys = &keys;
  LiveServer s(o);
  const std::string body = json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();
  auto post = [&](const std::string& key) {
    httplib::Headers h;
    if (!key.empty()) h.emplace("Authorization", key);
    return s.client().Post("/v1/verify", h, body, "application/json");
  };
  // The open route stays open.
  auto health = s.client().Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);

  auto none = post("");
  Problem(none, 401);
  CHECK(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
  Problem(post("Basic dXNlcjpwYXNz"), 401);
  Problem(post("Bearer tdv_nothex_x"), 401);
  // A well-formed key with a wrong secret.
  std::string wrong = "Bearer " + officer->key;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  Problem(post(wrong), 401);

  for (const auto* k : {&*officer, &*integrator, &*admin}) {
    auto ok = post("Bearer " + k->key);
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }
  const json forbidden = Problem(post("Bearer " + auditor->key), 403);
  CHECK(forbidden["detail"].get<std::string>().find("auditor") != std::string::npos);

  // Revoked through another handle on the same file: refused on the next
  // request.
  auto other = lists::OpenSqliteKeyStore(fx.file());
  REQUIRE(other.has_value());
  REQUIRE((*other)->Revoke(officer->record.id).has_value());
  Problem(post("Bearer " + officer->key), 401);
  auto still = post("Bearer " + integrator->key);
  REQUIRE(still);
  CHECK(still->status == 200);
}

TEST_CASE("keys: a caller without a key cannot make the service read a large body",
          "[http][keys]") {
  KeyFixture fx;
  KeyManager& keys = fx.keys;
  ServerOptions o;
  o.keys = &keys;
  LiveServer s(o);
  // Headers announce 8 MB and only the headers are sent: the answer comes
  // at once, without waiting for (or reading) the body.
  const std::string request =
      "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 8000000\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  const tdv::testing::ProcessResult r =
      tdv::testing::Run({"bash", "-c",
                         "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(s.port()) + " && printf '" +
                             request + "' >&3 && timeout 5 head -c 12 <&3"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(r.out == "HTTP/1.1 401");
  CHECK(seconds < 3.0);
}

TEST_CASE("rate limits: a bucket per key, refilled at its role's rate", "[http][keys]") {
  RateLimiter limiter({{"officer", 2.0}});
  const auto t0 = RateLimiter::Clock::now();
  int retry = 0;
  // A burst of two seconds' worth, then one request every half second.
  for (int i = 0; i < 4; ++i) CHECK(limiter.Take("a", "officer", retry, t0));
  CHECK_FALSE(limiter.Take("a", "officer", retry, t0));
  CHECK(retry == 1);
  CHECK(limiter.Take("b", "officer", retry, t0));  // another key has its own bucket
  CHECK(limiter.Take("a", "officer", retry, t0 + std::chrono::milliseconds(500)));
  CHECK_FALSE(limiter.Take("a", "officer", retry, t0 + std::chrono::milliseconds(600)));
  // Roles without a rate are not limited.
  for (int i = 0; i < 100; ++i) CHECK(limiter.Take("c", "integrator", retry, t0));
}

TEST_CASE("rate limits: a key over its rate gets 429 with Retry-After", "[http][keys]") {
  KeyFixture fx;
  KeyManager& keys = fx.keys;
  auto officer = keys.Create("officer", "", "desk");
  auto integrator = keys.Create("integrator", "", "system");
  REQUIRE((officer && integrator));
  ServerOptions o;
  o.keys = &keys;
  o.rate_per_second_by_role = {{"officer", 0.5}};  // a burst of 1
  LiveServer s(o);
  const std::string body = json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();
  auto post = [&](const std::string& key) {
    return s.client().Post("/v1/verify", {{"Authorization", "Bearer " + key}}, body,
                           "application/json");
  };
  auto first = post(officer->key);
  REQUIRE(first);
  CHECK(first->status == 200);
  auto second = post(officer->key);
  Problem(second, 429);
  CHECK(std::stoi(second->get_header_value("Retry-After")) >= 1);
  for (int i = 0; i < 5; ++i) {
    auto r = post(integrator->key);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("audit: every verify is recorded before it is answered; auditors read it",
          "[http][keys]") {
  KeyFixture fx;
  auto officer = fx.keys.Create("officer", "", "desk");
  auto auditor = fx.keys.Create("auditor", "", "audit office");
  REQUIRE((officer && auditor));
  const std::string audit_file = (fx.dir.path() / "audit.db").string();
  auto store = lists::OpenSqliteAuditStore(audit_file);
  REQUIRE(store.has_value());
  verify::AuditTrail trail(std::move(*store), std::string(64, 'a'), {});
  ServerOptions o;
  o.keys = &fx.keys;
  o.audit = &trail;
  LiveServer s(o);
  const std::string body = json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();
  const httplib::Headers as_officer = {{"Authorization", "Bearer " + officer->key}};
  const httplib::Headers as_auditor = {{"Authorization", "Bearer " + auditor->key}};
  for (int i = 0; i < 3; ++i) {
    auto r = s.client().Post("/v1/verify", as_officer, body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  // Only auditors (and admins) read the trail.
  Problem(s.client().Get("/v1/audit", as_officer), 403);
  auto page = s.client().Get("/v1/audit?limit=2", as_auditor);
  REQUIRE(page);
  REQUIRE(page->status == 200);
  json j = json::parse(page->body);
  REQUIRE(j["entries"].size() == 2);
  CHECK(j["entries"][0]["seq"] == 1);
  CHECK(j["entries"][0]["key_id"] == officer->record.id);
  CHECK(j["entries"][0]["action"] == "verify");
  CHECK(j["entries"][0]["verdict"] == "clear");
  CHECK(j["entries"][0]["document_number"].is_null());
  CHECK(page->body.find("L898902C3") == std::string::npos);  // no number in clear
  REQUIRE(j["next_after"] == 2);
  auto rest = s.client().Get("/v1/audit?after=2", as_auditor);
  REQUIRE(rest);
  j = json::parse(rest->body);
  REQUIRE(j["entries"].size() == 1);
  CHECK(j["next_after"].is_null());
  // A document's checks, found by its state, type and number.
  auto doc = s.client().Get("/v1/audit?state=UTO&type=P&number=L898902C3", as_auditor);
  REQUIRE(doc);
  CHECK(json::parse(doc->body)["entries"].size() == 3);
  auto other = s.client().Get("/v1/audit?state=UTO&type=P&number=X0000000", as_auditor);
  REQUIRE(other);
  CHECK(json::parse(other->body)["entries"].empty());
  Problem(s.client().Get("/v1/audit?limit=0", as_auditor), 422);
  Problem(s.client().Get("/v1/audit?state=UTO", as_auditor), 422);
  auto check = trail.VerifyChain();
  REQUIRE(check.has_value());
  CHECK(check->entries == 3);
  CHECK(check->intact());
}

// A store whose disk is full: every append fails (fault injection).
class FullDiskAuditStore final : public lists::AuditStore {
 public:
  Status Append(std::vector<lists::TrailEntry>&, const Seal&) override {
    return Error{ErrorCode::kUnavailable, "database or disk is full"};
  }
  Status Scan(std::int64_t, const std::function<bool(const lists::TrailEntry&)>&) override {
    return {};
  }
  Result<std::vector<lists::TrailEntry>> Query(const lists::TrailQuery&) override {
    return std::vector<lists::TrailEntry>{};
  }
  Result<std::int64_t> LastPersonalBefore(const std::string&, std::int64_t) override { return 0; }
  Result<std::int64_t> ErasePersonal(std::int64_t, std::int64_t) override {
    return Error{ErrorCode::kUnavailable, "database or disk is full"};
  }
};

TEST_CASE("audit: batch items that cannot be recorded get no report; the batch stops",
          "[http][keys][batch]") {
  KeyFixture fx;
  auto integrator = fx.keys.Create("integrator", "", "system");
  REQUIRE(integrator.has_value());
  verify::AuditTrail trail(std::make_unique<FullDiskAuditStore>(), std::string(64, 'a'), {});
  ServerOptions o;
  o.keys = &fx.keys;
  o.audit = &trail;
  LiveServer s(o);
  std::string body;
  for (int i = 0; i < 3; ++i) {
    body +=
        json{{"id", i}, {"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump() + "\n";
  }
  auto r = s.client().Post("/v1/verify/batch", {{"Authorization", "Bearer " + integrator->key}},
                           body, "application/x-ndjson");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->body.find("\"report\"") == std::string::npos);
  CHECK(r->body.find("\"status\":503") != std::string::npos);
  CHECK(r->body.find("\"id\":0") != std::string::npos);
  CHECK(r->body.find("{\"summary\":") != std::string::npos);
  CHECK(r->body.find("\"clear\":0") != std::string::npos);
}

TEST_CASE("audit: a check that cannot be recorded is not answered", "[http][keys]") {
  KeyFixture fx;
  auto officer = fx.keys.Create("officer", "", "desk");
  REQUIRE(officer.has_value());
  verify::AuditTrail trail(std::make_unique<FullDiskAuditStore>(), std::string(64, 'a'), {});
  ServerOptions o;
  o.keys = &fx.keys;
  o.audit = &trail;
  LiveServer s(o);
  const std::string body = json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();
  auto r = s.client().Post("/v1/verify", {{"Authorization", "Bearer " + officer->key}}, body,
                           "application/json");
  Problem(r, 503);
  CHECK(r->body.find("audit") != std::string::npos);
  CHECK(r->body.find("\"verdict\"") == std::string::npos);
}

// A connection to the live server on loopback (a plain socket).
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  return fd;
}

// One whole HTTP response from a socket (header and Content-Length body).
std::string ReadResponse(int fd) {
  std::string got;
  char buf[1024];
  for (;;) {
    const auto end = got.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto at = got.find("Content-Length: ");
      const std::size_t length = at == std::string::npos ? 0 : std::stoul(got.substr(at + 16));
      if (got.size() >= end + 4 + length) return got;
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return got;
    got.append(buf, static_cast<std::size_t>(n));
  }
}

// The specimen's MRZ checked with `key`: the status (0: no answer) and the
// seconds it took.
std::pair<int, double> TimedCheck(LiveServer& s, const std::string& key) {
  const auto started = std::chrono::steady_clock::now();
  auto res = s.client().Post("/v1/verify", {{"Authorization", "Bearer " + key}},
                             json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump(),
                             "application/json");
  return {res ? res->status : 0,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
}

TEST_CASE("idle, silent and slow connections do not keep a new client waiting", "[http]") {
  // Four workers; more idle keep-alive connections, silent ones and ones
  // sending a header a byte at a time than that. Served one worker per
  // connection, the new client waited for the 5 s keep-alive (or the 10 s
  // read timeout); waiting in the reactor they hold no worker.
  LiveServer s;
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) {
    const int fd = Connect(s.port());
    const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    REQUIRE(ReadResponse(fd).rfind("HTTP/1.1 200", 0) == 0);  // answered; now it idles
    held.push_back(fd);
  }
  for (int i = 0; i < 8; ++i) held.push_back(Connect(s.port()));  // silent
  for (int i = 0; i < 8; ++i) {
    const int fd = Connect(s.port());
    REQUIRE(::send(fd, "GET /hea", 8, MSG_NOSIGNAL) == 8);  // a header begun, never ended
    held.push_back(fd);
  }
  const auto started = std::chrono::steady_clock::now();
  auto res = s.client().Get("/healthz");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(seconds < 2.0);
  // The idle keep-alive connections still work.
  const std::string again = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(held[0], again.data(), again.size(), MSG_NOSIGNAL) > 0);
  CHECK(ReadResponse(held[0]).rfind("HTTP/1.1 200", 0) == 0);
  for (int fd : held) ::close(fd);
}

TEST_CASE("bodies sent a byte at a time do not keep a new client waiting", "[http][keys]") {
  // Four workers; eight callers with a key each declare a body and send it a
  // byte at a time. Read by workers, they held all four until the read
  // timeout (every byte arriving within it: for ever); now a body waits in
  // the reactor until it is there, and a new client is answered at once.
  KeyFixture fx;
  auto officer = fx.keys.Create("officer", "", "desk 1");
  REQUIRE(officer.has_value());
  ServerOptions o;
  o.keys = &fx.keys;
  LiveServer s(o);
  const std::string head = "POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                           officer->key +
                           "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) {
    const int fd = Connect(s.port());
    REQUIRE(::send(fd, head.data(), head.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(head.size()));
    held.push_back(fd);
  }
  for (int second = 0; second < 2; ++second) {
    for (int fd : held) REQUIRE(::send(fd, "{", 1, MSG_NOSIGNAL) == 1);
    usleep(500 * 1000);
  }
  const auto [status, seconds] = TimedCheck(s, officer->key);
  CHECK(status == 200);
  CHECK(seconds < 2.0);
  // A body declared over the limit is refused on its header, not waited for.
  const int huge = Connect(s.port());
  const std::string over =
      "POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + officer->key +
      "\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n";
  REQUIRE(::send(huge, over.data(), over.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(over.size()));
  CHECK(ReadResponse(huge).rfind("HTTP/1.1 413", 0) == 0);
  ::close(huge);
  // A slow body that does arrive whole is answered (malformed JSON here).
  const std::string rest(998, ' ');
  REQUIRE(::send(held[0], rest.data(), rest.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(rest.size()));
  CHECK(ReadResponse(held[0]).rfind("HTTP/1.1 400", 0) == 0);
  for (int fd : held) ::close(fd);
}

// Sends `head`, `ahead` bytes of body at once, then one byte every 200 ms
// until the server answers or closes; the seconds that took (at most
// `give_up`) and what came back.
std::pair<double, std::string> TrickleBody(int port, const std::string& head, std::size_t ahead,
                                           double give_up) {
  const int fd = Connect(port);
  const std::string first = head + std::string(ahead, ' ');
  REQUIRE(::send(fd, first.data(), first.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(first.size()));
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::string got;
  while (elapsed() < give_up) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[1024];
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
      break;  // answered, or closed
    }
    if (::send(fd, " ", 1, MSG_NOSIGNAL) != 1) break;
  }
  const double seconds = elapsed();
  ::close(fd);
  return {seconds, got};
}

TEST_CASE("a large body sent a byte at a time past the reactor's share is cut off",
          "[http][keys]") {
  // The reactor waits for the first 64 kB of a body; past them a worker
  // reads, each byte inside the read timeout. Without a least rate the
  // worker waits as long as the bytes trickle; with one it waits the read
  // timeout plus a second per min_body_rate bytes, then answers 400.
  KeyFixture fx;
  auto officer = fx.keys.Create("officer", "", "desk 1");
  REQUIRE(officer.has_value());
  const std::string head = "POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                           officer->key +
                           "\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n";
  ServerOptions o;
  o.keys = &fx.keys;
  o.read_timeout_seconds = 1;
  o.min_body_rate = 0;
  {
    LiveServer s(o);
    const auto [seconds, got] = TrickleBody(s.port(), head, 70000, 3.0);
    CHECK(seconds >= 3.0);  // still waited for
    CHECK(got.empty());
  }
  o.min_body_rate = 1000000;  // allowance: 1 s + 70 ms for the 70 kB read
  {
    LiveServer s(o);
    const auto [seconds, got] = TrickleBody(s.port(), head, 70000, 6.0);
    CHECK(seconds < 2.5);
    CHECK(got.rfind("HTTP/1.1 400", 0) == 0);
    // The server still answers.
    auto res = s.client().Get("/healthz");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
}

TEST_CASE("one key holds at most half the workers with long bodies; other keys keep theirs",
          "[http][keys]") {
  // Four workers: a key with large bodies trickling in holds two of them;
  // its third such request is refused on its header (429), and another
  // key's request is answered at once.
  KeyFixture fx;
  auto slow = fx.keys.Create("officer", "", "desk 1");
  auto other = fx.keys.Create("officer", "", "desk 2");
  REQUIRE(slow.has_value());
  REQUIRE(other.has_value());
  ServerOptions o;
  o.keys = &fx.keys;
  LiveServer s(o);
  const std::string head = "POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                           slow->key +
                           "\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n" +
                           std::string(70000, ' ');
  std::vector<int> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(Connect(s.port()));
    REQUIRE(::send(held.back(), head.data(), head.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(head.size()));
  }
  usleep(300 * 1000);  // both taken by workers
  const int third = Connect(s.port());
  REQUIRE(::send(third, head.data(), head.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(head.size()));
  const std::string refused = ReadResponse(third);
  CHECK(refused.rfind("HTTP/1.1 429", 0) == 0);
  CHECK(refused.find("in progress") != std::string::npos);
  ::close(third);
  const auto [status, seconds] = TimedCheck(s, other->key);
  CHECK(status == 200);
  CHECK(seconds < 2.0);
  // Once its requests end, the key is served again.
  for (int fd : held) ::close(fd);
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = TimedCheck(s, slow->key).first == 200;
    if (!served) usleep(100 * 1000);
  }
  CHECK(served);
}

TEST_CASE("concurrent clients all get their own answer", "[http]") {
  LiveServer s;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", s.port());
      for (int i = 0; i < 25; ++i) {
        const bool good = (t + i) % 2 == 0;
        json req = {{"mrz", good ? testing::kTd3Specimen : testing::kTd3BadCheck},
                    {"allow_specimens", true}};
        auto res = c.Post("/v1/verify", req.dump(), "application/json");
        if (res && res->status == 200 &&
            json::parse(res->body)["verdict"] == (good ? "clear" : "reject")) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 200);
}

TEST_CASE("the report carries the lists: hits, and unavailable stores", "[http][lists]") {
  tdv::testing::TempDir dir;
  auto store = lists::OpenSqliteStore((dir.path() / "lists.db").string());
  REQUIRE(store.has_value());
  {
    auto session = (*store)->BeginImport({"sltd", "UTO-POLICE", "test", false});
    REQUIRE(session.has_value());
    lists::ListRecord r;
    r.issuing_state = "UTO";
    r.document_type = "P";
    r.document_number = "L898902C3";
    r.status = lists::RecordStatus::kStolenBlank;
    REQUIRE((*session)->Add(lists::ChangeOp::kUpsert, r).has_value());
    REQUIRE((*session)->Commit().has_value());
  }
  lists::ListService service(std::move(*store), {});
  REQUIRE(service.Load().has_value());
  verify::VerifierConfig config = LiveServer::Config();
  config.lists = &service;
  LiveServer s({}, config);
  json req = {{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}};
  auto res = s.client().Post("/v1/verify", req.dump(), "application/json");
  REQUIRE(res);
  json r = json::parse(res->body);
  CHECK(r["verdict"] == "reject");
  CHECK(r["lists"]["status"] == "hit");
  CHECK(r["lists"]["hits"][0]["record"]["status"] == "stolen_blank");
  CHECK(r["lists"]["consulted"][0]["name"] == "sltd");

  auto broken = lists::ListService::Open("sqlite:/nonexistent-dir/lists.db", {});
  (void)broken->Load();
  verify::VerifierConfig bad = LiveServer::Config();
  bad.lists = broken.get();
  LiveServer s2({}, bad);
  res = s2.client().Post("/v1/verify", req.dump(), "application/json");
  REQUIRE(res);
  r = json::parse(res->body);
  CHECK(r["verdict"] == "review");
  CHECK(r["lists"]["status"] == "unavailable");
}

TEST_CASE("images: multipart and raw bodies, and their errors", "[http][vision]") {
  vision::ReaderOptions ro;
  ro.model_dir = std::string(TDV_SOURCE_DIR) + "/models";
  auto reader = vision::MrzReader::Create(ro);
  REQUIRE(reader.has_value());
  verify::VerifierConfig config = LiveServer::Config();
  config.reader = reader->get();
  LiveServer s({}, config);
  const std::string dir = std::string(TDV_SOURCE_DIR) + "/samples/images/";
  std::string jpeg, nomrz;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("td3-moderate", 0) == 0 && e.path().extension() == ".jpg")
      jpeg = tdv::testing::ReadFile(e.path());
    if (name.rfind("nomrz", 0) == 0 && e.path().extension() == ".jpg")
      nomrz = tdv::testing::ReadFile(e.path());
  }
  REQUIRE_FALSE(jpeg.empty());
  REQUIRE_FALSE(nomrz.empty());

  httplib::MultipartFormDataItems form = {{"image", jpeg, "page.jpg", "image/jpeg"},
                                          {"allow_specimens", "true", "", ""}};
  auto res = s.client().Post("/v1/verify", form);
  REQUIRE(res);
  CHECK(res->status == 200);
  json r = json::parse(res->body);
  CHECK(r["mrz"]["format"] == "TD3");
  CHECK(r["image"]["polygon"].size() == 4);
  CHECK(r["image"]["line_confidence"].size() == 2);
  CHECK(r["policy"]["allow_specimens"] == true);

  res = s.client().Post("/v1/verify?as_of=2030-01-01", jpeg, "image/jpeg");
  REQUIRE(res);
  CHECK(res->status == 200);
  r = json::parse(res->body);
  CHECK(r["as_of"] == "2030-01-01");
  CHECK(r["mrz"]["lines"].size() == 2);

  json b = Problem(s.client().Post("/v1/verify", nomrz, "image/jpeg"), 422);
  CHECK(b["type"] == "urn:tdv:problem:no-mrz-found");
  // A truncated JPEG is read as far as it goes (issue 23): half a page
  // holds no MRZ here.
  b = Problem(s.client().Post("/v1/verify", jpeg.substr(0, jpeg.size() / 2), "image/jpeg"), 422);
  CHECK(b["type"] == "urn:tdv:problem:no-mrz-found");
  b = Problem(s.client().Post("/v1/verify", "GIF89a", "image/gif"), 422);
  CHECK(b["type"] == "urn:tdv:problem:invalid-image");
  Problem(s.client().Post("/v1/verify?strict=maybe", jpeg, "image/jpeg"), 422);
  httplib::MultipartFormDataItems no_image = {{"file", jpeg, "page.jpg", "image/jpeg"}};
  Problem(s.client().Post("/v1/verify", no_image), 422);
  Problem(s.client().Post("/v1/verify", "", "image/png"), 422);
}

TEST_CASE("listen addresses parse or fail clearly", "[http]") {
  auto a = ParseListenAddress("0.0.0.0:8080");
  REQUIRE(a.has_value());
  CHECK(a->host == "0.0.0.0");
  CHECK(a->port == 8080);
  a = ParseListenAddress("[::1]:9000");
  REQUIRE(a.has_value());
  CHECK(a->host == "::1");
  a = ParseListenAddress(":7000");
  REQUIRE(a.has_value());
  CHECK(a->host == "127.0.0.1");
  CHECK_FALSE(ParseListenAddress("localhost").has_value());
  CHECK_FALSE(ParseListenAddress("host:http").has_value());
  CHECK_FALSE(ParseListenAddress("host:70000").has_value());
  CHECK_FALSE(ParseListenAddress("host:").has_value());
}

TEST_CASE("binding a taken port fails with kUnavailable", "[http]") {
  LiveServer first;
  verify::Verifier v(verify::VerifierConfig{});
  ServerOptions o;
  o.port = first.port();
  o.access_log = false;
  Server second(v, o);
  const Status st = second.Bind();
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().code == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace tdv::http

namespace tdv::http {
namespace {

std::string B64(const std::string& bytes) { return tdv::testing::Base64(bytes); }
std::string Pki(const std::string& rel) {
  return tdv::testing::ReadFile(std::string(TDV_TEST_PKI_DIR) + "/" + rel);
}

// A verifier with the test PKI's DE and NL anchors and seal signers.
struct TrustFixture {
  tdv::testing::TempDir dir;
  std::shared_ptr<const sig::TrustAnchors> anchors;
  TrustFixture() {
    auto store = sig::TrustStore::Open(dir.path());
    REQUIRE(store);
    for (const char* f : {"csca/de-old.pem", "csca/de-link.pem", "crl/de-new.pem",
                          "signer/seal-dets.pem", "signer/seal-nlab.pem"}) {
      const std::string pem = Pki(f);
      REQUIRE(store->Import(std::vector<std::uint8_t>(pem.begin(), pem.end())));
    }
    sig::TrustImportOptions ml;  // NL's CSCA comes in DE's master list
    const std::string root = Pki("csca/de-old.pem"), list = Pki("ml/masterlist.ml");
    ml.master_list_roots.emplace_back(root.begin(), root.end());
    REQUIRE(store->Import(std::vector<std::uint8_t>(list.begin(), list.end()), ml));
    auto loaded = sig::TrustAnchors::Load(dir.path());
    REQUIRE(loaded);
    anchors = *loaded;
  }
  verify::VerifierConfig Config() const {
    verify::VerifierConfig c = LiveServer::Config();
    c.today = verify::TodayUtc;
    auto a = anchors;
    c.trust = [a] { return a; };
    return c;
  }
};

TEST_CASE("POST /v1/verify with a base64 seal and chip data", "[http][sig]") {
  TrustFixture trust;
  LiveServer s({}, trust.Config());
  const std::string mrz = Pki("seals/visa-dets.mrz");

  json req = {
      {"mrz", mrz}, {"seal", B64(Pki("seals/visa-dets.vds"))}, {"passport_number", "UP1234567"}};
  auto res = s.client().Post("/v1/verify", req.dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  json r = json::parse(res->body);
  CHECK(r["verdict"] == "clear");
  CHECK(r["seal"]["status"] == "valid");
  CHECK(r["seal"]["source"] == "request");
  CHECK(r["seal"]["passport_match"] == true);

  req["seal"] = B64(Pki("seals/visa-badsig.vds"));
  r = json::parse(s.client().Post("/v1/verify", req.dump(), "application/json")->body);
  CHECK(r["verdict"] == "reject");
  CHECK(r["seal"]["status"] == "invalid_signature");

  const std::string dir = "chips/de-valid/";
  json chip = {
      {"mrz", Pki(dir + "printed.mrz")},
      {"chip",
       {{"sod", B64(Pki(dir + "sod.bin"))},
        {"data_groups", {{"1", B64(Pki(dir + "dg1.bin"))}, {"2", B64(Pki(dir + "dg2.bin"))}}}}}};
  res = s.client().Post("/v1/verify", chip.dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  r = json::parse(res->body);
  CHECK(r["chip"]["status"] == "valid");
  CHECK(r["chip"]["mrz_match"] == true);
  CHECK(r["chip"]["data_groups"].size() == 2);

  // Chip data alone: DG1 is the MRZ.
  chip.erase("mrz");
  r = json::parse(s.client().Post("/v1/verify", chip.dump(), "application/json")->body);
  CHECK(r["mrz_source"] == "chip");
  CHECK(r["verdict"] == "clear");

  // Each report below matches the published schema (mrz null when none).
  const json doc = json::parse(s.client().Get("/openapi.json")->body);
  std::vector<std::string> problems;
  const auto post = [&](const json& body) {
    auto answer = s.client().Post("/v1/verify", body.dump(), "application/json");
    REQUIRE(answer);
    INFO(answer->body);
    REQUIRE(answer->status == 200);
    json report = json::parse(answer->body);
    Validate(doc, doc["components"]["schemas"]["VerificationReport"], report, "report", problems);
    return report;
  };

  // EF.SOD alone (a reader that failed on DG1, an integrator sending it
  // first): signature and chain checked, data groups not read, never clear.
  r = post({{"chip", {{"sod", B64(Pki(dir + "sod.bin"))}}}});
  CHECK(r["mrz_source"] == "none");
  CHECK(r["mrz"].is_null());
  CHECK(r["chip"]["status"] == "data_groups_not_read");
  CHECK(r["chip"]["signature"] == "valid");
  CHECK(r["chip"]["signer"]["chain"] == "valid");
  CHECK(r["verdict"] == "review");
  CHECK(r["reasons"][0]["code"] == "chip_data_groups_not_read");
  r = post({{"chip", {{"sod", B64(Pki("chips/de-badsig/sod.bin"))}}}});
  CHECK(r["chip"]["status"] == "invalid_signature");
  CHECK(r["verdict"] == "reject");
  // Bytes that are no EF.SOD, alone: a report that says so, not a pass.
  r = post({{"chip", {{"sod", B64("x")}}}});
  CHECK(r["chip"]["status"] == "malformed");
  CHECK(r["verdict"] == "reject");

  // A German ID card's EF.CardSecurity with the printed MRZ.
  r = post({{"mrz", Pki(dir + "printed.mrz")},
            {"card_security", B64(Pki("chips/de-card/card_security.bin"))}});
  CHECK(r["chip"]["kind"] == "ef_card_security");
  CHECK(r["chip"]["status"] == "valid");
  CHECK(r["verdict"] == "clear");

  // A seal alone: the MRZ it carries is checked (a visa seal's line 2
  // filled out after position 28), the lists with it.
  r = post({{"seal", B64(Pki("seals/visa-dets.vds"))}});
  CHECK(r["mrz_source"] == "seal");
  CHECK(r["verdict"] == "clear");
  CHECK(r["mrz"]["valid"] == true);
  CHECK(r["mrz"]["lines"][1] == Pki("seals/visa-dets.mrz").substr(45, 28) + std::string(16, '<'));
  CHECK(r["notes"].back()["code"] == "mrz_from_seal");
  r = post({{"seal", B64(Pki("seals/visa-tampered.vds"))}});
  CHECK(r["seal"]["status"] == "invalid_signature");
  CHECK(r["verdict"] == "reject");
  // A seal whose profile has no MRZ: its signature is the whole proof.
  r = post({{"seal", B64(Pki("seals/sic-dets.vds"))}});
  CHECK(r["mrz_source"] == "none");
  CHECK(r["seal"]["profile"] == "social_insurance_card");
  CHECK(r["verdict"] == "clear");
  for (const auto& p : problems) FAIL_CHECK(p);

  // Bad input: 422 problem+json.
  json bad = {{"mrz", mrz}, {"seal", "not base64!"}};
  Problem(s.client().Post("/v1/verify", bad.dump(), "application/json"), 422);
  bad = {{"chip", {{"sod", B64("x")}, {"data_groups", {{"17", B64("x")}}}}}};
  Problem(s.client().Post("/v1/verify", bad.dump(), "application/json"), 422);
  bad = {{"seal", ""}};
  Problem(s.client().Post("/v1/verify", bad.dump(), "application/json"), 422);
  bad = {{"card_security", B64("x")}, {"chip", {{"sod", B64("x")}}}};
  Problem(s.client().Post("/v1/verify", bad.dump(), "application/json"), 422);
  bad = {{"passport_number", "UP1234567"}};
  Problem(s.client().Post("/v1/verify", bad.dump(), "application/json"), 422);
}

TEST_CASE("multipart: an image with its printed seal, and seal or chip fields",
          "[http][sig][vision]") {
  TrustFixture trust;
  vision::ReaderOptions ro;
  ro.model_dir = std::string(TDV_SOURCE_DIR) + "/models";
  auto reader = vision::MrzReader::Create(ro);
  REQUIRE(reader.has_value());
  verify::VerifierConfig config = trust.Config();
  config.reader = reader->get();
  LiveServer s({}, config);

  httplib::MultipartFormDataItems form = {
      {"image", Pki("images/visa-sample-seal.jpg"), "visa.jpg", "image/jpeg"},
      {"passport_number", "UP2468024", "", ""}};
  auto res = s.client().Post("/v1/verify", form);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  json r = json::parse(res->body);
  CHECK(r["seal"]["source"] == "image");
  CHECK(r["seal"]["status"] == "valid");
  CHECK(r["seal"]["mrz_match"] == true);
  CHECK(r["seal"]["passport_match"] == true);
  CHECK(r["verdict"] == "clear");

  // A seal field overrides the printed one: this one belongs to another visa.
  form.push_back({"seal", Pki("seals/visa-dets.vds"), "seal.bin", "application/octet-stream"});
  r = json::parse(s.client().Post("/v1/verify", form)->body);
  CHECK(r["seal"]["source"] == "request");
  CHECK(r["seal"]["mrz_match"] == false);
  CHECK(r["verdict"] == "reject");

  // A seal uploaded alone (a visa section's scan of the seal only).
  httplib::MultipartFormDataItems seal_only = {
      {"seal", Pki("seals/aad-nlab.vds"), "seal.bin", "application/octet-stream"}};
  res = s.client().Post("/v1/verify", seal_only);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  r = json::parse(res->body);
  CHECK(r["mrz_source"] == "seal");
  CHECK(r["seal"]["profile"] == "arrival_attestation");
  CHECK(r["seal"]["status"] == "valid");
  CHECK(r["mrz"]["valid"] == true);
  seal_only[0].content.clear();
  Problem(s.client().Post("/v1/verify", seal_only), 422);

  httplib::MultipartFormDataItems dg_only = {
      {"image", Pki("images/visa-sample-seal.jpg"), "visa.jpg", "image/jpeg"},
      {"dg1", Pki("chips/de-valid/dg1.bin"), "dg1.bin", "application/octet-stream"}};
  Problem(s.client().Post("/v1/verify", dg_only), 422);
}

}  // namespace
}  // namespace tdv::http

namespace tdv::http {
namespace {

std::string TlsFile(const std::string& rel) {
  return std::string(TDV_TEST_PKI_DIR) + "/tls/" + rel;
}

// A TLS client that trusts the test TLS CA, with an optional client certificate.
std::unique_ptr<httplib::SSLClient> TlsClient(int port, const std::string& client = "") {
  std::unique_ptr<httplib::SSLClient> c =
      client.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                     : std::make_unique<httplib::SSLClient>(
                           "127.0.0.1", port, TlsFile(client + ".pem"), TlsFile(client + ".key"));
  c->set_ca_cert_path(TlsFile("ca.pem").c_str());
  c->enable_server_certificate_verification(true);
  c->set_connection_timeout(5);
  c->set_read_timeout(5);
  return c;
}

const std::string kVerifyBody =
    nlohmann::json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump();

TEST_CASE("TLS: verify over HTTPS; plain HTTP and silent clients get nothing and stall no one",
          "[http][tls]") {
  ServerOptions o;
  o.tls_cert_file = TlsFile("server.pem");
  o.tls_key_file = TlsFile("server.key");
  LiveServer s(o);
  auto tls = TlsClient(s.port());
  for (int i = 0; i < 3; ++i) {  // several requests on one kept-alive TLS connection
    auto r = tls->Post("/v1/verify", kVerifyBody, "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(nlohmann::json::parse(r->body)["verdict"] == "clear");
  }
  // Plain HTTP on the TLS port: no answer, no crash.
  auto plain = s.client().Get("/healthz");
  CHECK_FALSE(plain);

  // 8 silent connections (more than the 4 workers) and 8 that stop after
  // the first bytes of a handshake: a new TLS client is answered at once.
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) held.push_back(Connect(s.port()));
  for (int i = 0; i < 8; ++i) {
    const int fd = Connect(s.port());
    const char partial_hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    REQUIRE(::send(fd, partial_hello, sizeof(partial_hello) - 1, 0) > 0);
    held.push_back(fd);
  }
  const auto started = std::chrono::steady_clock::now();
  auto fresh = TlsClient(s.port());
  auto r = fresh->Get("/healthz");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(seconds < 1.0);
  for (int fd : held) ::close(fd);
}

TEST_CASE("TLS: client certificates from the configured CA, required or not", "[http][tls]") {
  ServerOptions o;
  o.tls_cert_file = TlsFile("server.pem");
  o.tls_key_file = TlsFile("server.key");
  o.tls_client_ca_file = TlsFile("ca.pem");
  SECTION("required") {
    o.tls_require_client_cert = true;
    LiveServer s(o);
    auto with = TlsClient(s.port(), "client");
    auto ok = with->Post("/v1/verify", kVerifyBody, "application/json");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK_FALSE(TlsClient(s.port())->Get("/healthz"));              // no certificate
    CHECK_FALSE(TlsClient(s.port(), "stranger")->Get("/healthz"));  // another CA's
  }
  SECTION("optional") {
    LiveServer s(o);
    auto without = TlsClient(s.port())->Get("/healthz");
    REQUIRE(without);
    CHECK(without->status == 200);
    CHECK_FALSE(TlsClient(s.port(), "stranger")->Get("/healthz"));  // presented, not trusted
  }
}

// A raw TLS handshake offering only `ciphers` at TLS 1.2 at most (0: any
// version, OpenSSL's defaults): whether the server completes it.
bool Handshake(int port, const char* ciphers, bool tls12_only) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(ctx != nullptr);
  if (tls12_only) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  if (ciphers != nullptr) REQUIRE(SSL_CTX_set_cipher_list(ctx, ciphers) == 1);
  const int fd = Connect(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  const bool ok = SSL_connect(ssl) == 1;
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

TEST_CASE("TLS: Mozilla's intermediate suites by default; CBC clients refused", "[http][tls]") {
  ServerOptions o;
  o.tls_cert_file = TlsFile("server.pem");
  o.tls_key_file = TlsFile("server.key");
  {
    LiveServer s(o);
    CHECK(Handshake(s.port(), nullptr, false));                           // TLS 1.3
    CHECK(Handshake(s.port(), "ECDHE-ECDSA-AES128-GCM-SHA256", true));    // 1.2 AEAD
    CHECK(Handshake(s.port(), "ECDHE-ECDSA-CHACHA20-POLY1305", true));    // 1.2 AEAD
    CHECK_FALSE(Handshake(s.port(), "ECDHE-ECDSA-AES256-SHA", true));     // CBC, SHA-1 MAC
    CHECK_FALSE(Handshake(s.port(), "ECDHE-ECDSA-AES128-SHA256", true));  // CBC, SHA-2 MAC
    // The service still answers after the refused handshakes.
    auto r = TlsClient(s.port())->Get("/healthz");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  // Configured otherwise (an agency's legacy clients), the list is used.
  o.tls_ciphers = "ECDHE-ECDSA-AES256-SHA";
  {
    LiveServer s(o);
    CHECK(Handshake(s.port(), "ECDHE-ECDSA-AES256-SHA", true));
  }
  // A list OpenSSL cannot use fails Bind.
  const verify::Verifier verifier(LiveServer::Config());
  o.tls_ciphers = "NO-SUCH-SUITE";
  o.port = 0;
  auto bound = Server(verifier, o).Bind();
  REQUIRE_FALSE(bound.has_value());
  CHECK(bound.error().message.find("NO-SUCH-SUITE") != std::string::npos);
}

TEST_CASE("TLS: a certificate or key that cannot be used fails Bind, saying which", "[http][tls]") {
  const verify::Verifier verifier(LiveServer::Config());
  ServerOptions o;
  o.port = 0;
  o.tls_cert_file = TlsFile("server.pem");
  o.tls_key_file = TlsFile("client.key");  // not the server's key
  auto bound = Server(verifier, o).Bind();
  REQUIRE_FALSE(bound.has_value());
  CHECK(bound.error().message.find("client.key") != std::string::npos);
  o.tls_key_file = TlsFile("missing.key");
  bound = Server(verifier, o).Bind();
  REQUIRE_FALSE(bound.has_value());
  CHECK(bound.error().message.find("missing.key") != std::string::npos);
  o.tls_cert_file.clear();
  bound = Server(verifier, o).Bind();
  REQUIRE_FALSE(bound.has_value());
  CHECK(bound.error().code == ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace tdv::http
