// SPDX-License-Identifier: Apache-2.0
// The integration surface over real HTTP on loopback: the streamed batch
// route, readiness, metrics, method and body rules, and the OpenAPI
// document checked against the routes the server registers and the reports
// it produces.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include "live_server.h"
#include "schema_check.h"
#include "specimens.h"
#include "tdv/lists/audit_store.h"
#include "tdv/verify/audit.h"

namespace tdv::http {
namespace {

std::vector<json> Lines(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

json Item(const std::string& id, const char* mrz) {
  return {{"id", id}, {"mrz", mrz}, {"allow_specimens", true}, {"as_of", "2011-06-01"}};
}

std::unique_ptr<verify::AuditTrail> OpenTrail(const std::filesystem::path& file) {
  auto store = lists::OpenSqliteAuditStore(file.string());
  REQUIRE(store.has_value());
  return std::make_unique<verify::AuditTrail>(std::move(*store), std::string(64, 'a'),
                                              verify::AuditOptions{});
}

// A server with keys and an audit trail on real SQLite files.
struct Service {
  KeyFixture fx;
  std::unique_ptr<verify::AuditTrail> trail = OpenTrail(fx.dir.path() / "audit.db");
  std::string integrator = fx.keys.Create("integrator", "", "border system")->key;
  std::string officer = fx.keys.Create("officer", "", "desk")->key;
  ServerOptions Options() {
    ServerOptions o;
    o.keys = &fx.keys;
    o.audit = trail.get();
    return o;
  }
};

httplib::Result PostBatch(LiveServer& s, const std::string& key, const std::string& body,
                          const char* type = "application/x-ndjson") {
  return s.client().Post("/v1/verify/batch", {{"Authorization", "Bearer " + key}}, body, type);
}

TEST_CASE("batch: one answer line per item with its id, a summary last, all in the audit trail",
          "[http][batch]") {
  Service svc;
  LiveServer s(svc.Options());
  const std::string body = Item("a", testing::kTd3Specimen).dump() + "\n" +
                           json{{"id", 7}, {"mrz", "junk"}}.dump() + "\n" + "not json\n" + "\n" +
                           Item("c", testing::kTd1Specimen).dump() + "\r\n" +
                           json{{"id", "d"}, {"bogus", 1}}.dump();  // no final newline
  auto res = PostBatch(s, svc.integrator, body);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/x-ndjson");
  const std::vector<json> lines = Lines(res->body);
  REQUIRE(lines.size() == 6);
  const json& summary = lines.back()["summary"];
  CHECK(summary["items"] == 5);
  CHECK(summary["clear"] == 2);
  CHECK(summary["reject"] == 1);
  CHECK(summary["errors"] == 2);
  CHECK(summary["truncated"] == false);
  std::map<int, json> by_line;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) by_line[lines[i]["line"]] = lines[i];
  REQUIRE(by_line.size() == 5);
  CHECK(by_line[1]["id"] == "a");
  CHECK(by_line[1]["report"]["verdict"] == "clear");
  CHECK(by_line[1]["report"]["mrz"]["fields"]["document_number"] == "L898902C3");
  CHECK(by_line[2]["id"] == 7);
  CHECK(by_line[2]["report"]["verdict"] == "reject");
  CHECK(by_line[3]["error"]["status"] == 400);
  CHECK(by_line[3]["error"]["type"] == "urn:tdv:problem:malformed-json");
  CHECK_FALSE(by_line[3].contains("id"));
  CHECK(by_line[5]["id"] == "c");
  CHECK(by_line[5]["report"]["mrz"]["format"] == "TD1");
  CHECK(by_line[6]["id"] == "d");
  CHECK(by_line[6]["error"]["status"] == 422);
  CHECK(by_line[6]["error"]["detail"].get<std::string>().find("bogus") != std::string::npos);

  // Every report given is in the trail, under the integrator's key.
  lists::TrailQuery all;
  all.action = "verify";
  auto entries = svc.trail->Query(all);
  REQUIRE(entries.has_value());
  CHECK(entries->size() == 3);
  for (const auto& e : *entries) CHECK(e.key_id == KeyManager::KeyIdOf("Bearer " + svc.integrator));

  // Officers check one document at a time; a batch needs its media type.
  Problem(PostBatch(s, svc.officer, body), 403);
  Problem(PostBatch(s, svc.integrator, body, "application/json"), 415);
}

TEST_CASE("batch: the item limit ends it with an error line; an overlong line is an error line",
          "[http][batch]") {
  Service svc;
  ServerOptions o = svc.Options();
  o.batch_max_items = 3;
  o.batch_max_line_bytes = 1024;
  LiveServer s(o);
  std::string body = std::string(2000, 'x') + "\n";
  for (int i = 0; i < 4; ++i) body += Item(std::to_string(i), testing::kTd3Specimen).dump() + "\n";
  auto res = PostBatch(s, svc.integrator, body);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::vector<json> lines = Lines(res->body);
  REQUIRE(lines.size() == 6);
  std::map<int, json> by_line;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) by_line[lines[i]["line"]] = lines[i];
  CHECK(by_line[1]["error"]["status"] == 413);
  for (int line = 2; line <= 4; ++line) CHECK(by_line[line]["report"]["verdict"] == "clear");
  CHECK(by_line[5]["error"]["type"] == "urn:tdv:problem:too-many-items");
  CHECK(lines.back()["summary"]["items"] == 3);
  CHECK(lines.back()["summary"]["truncated"] == true);
}

// A raw client that sends and reads at once, as a bulk client must.
TEST_CASE("batch: answers stream back while the body is still being sent", "[http][batch]") {
  Service svc;
  ServerOptions o = svc.Options();
  o.batch_window = 16;
  LiveServer s(o);
  // Items padded to 2 KB (visa_category): 10,000 of them are far more than
  // the sockets buffer, so the server must answer before it has read all.
  constexpr int kItems = 10000;
  json item = Item("x", testing::kTd3Specimen);
  item["visa_category"] = std::string(2000, 'v');
  std::string body;
  for (int i = 0; i < kItems; ++i) {
    item["id"] = i;
    body += item.dump() + "\n";
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(s.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  const std::string head =
      "POST /v1/verify/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      svc.integrator +
      "\r\nContent-Type: application/x-ndjson\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::atomic<bool> sent{false};
  std::atomic<bool> answered_while_sending{false};
  std::thread sender([&] {
    const std::string all = head + body;
    std::size_t off = 0;
    while (off < all.size()) {
      const ssize_t n = ::send(fd, all.data() + off, std::min<std::size_t>(65536, all.size() - off),
                               MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    sent = true;
  });
  std::string received;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    if (!sent && received.find("\"report\"") != std::string::npos) answered_while_sending = true;
    received.append(buf, static_cast<std::size_t>(n));
    if (received.size() > 5 && received.compare(received.size() - 5, 5, "0\r\n\r\n") == 0) break;
  }
  sender.join();
  ::close(fd);
  CHECK(answered_while_sending);
  CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
  std::size_t reports = 0, at = 0;
  while ((at = received.find("\"report\":", at)) != std::string::npos) {
    ++reports;
    ++at;
  }
  CHECK(reports == kItems);
  CHECK(received.find("{\"summary\":{\"items\":" + std::to_string(kItems) +
                      ",\"clear\":" + std::to_string(kItems)) != std::string::npos);
}

TEST_CASE("readyz: 200 when every check passes, 503 naming the one that does not", "[http]") {
  bool lists_ok = true;
  ServerOptions o;
  o.readiness = [&] {
    return std::vector<ReadyCheck>{{"model", true, "loaded"},
                                   {"lists", lists_ok, lists_ok ? "2 lists" : "never loaded"}};
  };
  LiveServer s(o);
  auto ready = s.client().Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(json::parse(ready->body)["status"] == "ready");
  lists_ok = false;
  auto not_ready = s.client().Get("/readyz");
  REQUIRE(not_ready);
  CHECK(not_ready->status == 503);
  const json j = json::parse(not_ready->body);
  CHECK(j["status"] == "not_ready");
  CHECK(j["checks"][1]["name"] == "lists");
  CHECK(j["checks"][1]["ok"] == false);
  CHECK(j["checks"][1]["detail"] == "never loaded");
}

// The value of the sample `series` (name{labels}) in a Prometheus text body.
double Sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + series.size() + 2));
}

TEST_CASE("metrics: requests, latencies, verdicts and gauges in the Prometheus format", "[http]") {
  ServerOptions o;
  o.gauges = [] { return std::vector<Gauge>{{"tdv_list_records", "list=\"l\"", 42, "records"}}; };
  LiveServer s(o);
  const std::string body = json{
      {"mrz", testing::kTd3Specimen},
      {"allow_specimens", true},
      {"as_of", "2011-06-01"}}.dump();
  for (int i = 0; i < 3; ++i) REQUIRE(s.client().Post("/v1/verify", body, "application/json"));
  REQUIRE(s.client().Post("/v1/verify", "{}", "application/json"));
  REQUIRE(s.client().Get("/no/such/route"));
  // A request is counted once its answer is written (the client may have it
  // a moment before): ask until all five are in.
  std::string m;
  for (int i = 0; i < 100; ++i) {
    auto res = s.client().Get("/metrics");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
    m = res->body;
    if (m.find(R"(tdv_http_request_duration_seconds_count{route="/v1/verify"} 4)") !=
            std::string::npos &&
        m.find(R"(route="other",method="other",status="404"} 1)") != std::string::npos)
      break;
    usleep(20 * 1000);
  }
  CHECK(Sample(m, R"(tdv_http_requests_total{route="/v1/verify",method="POST",status="200"})") ==
        3);
  CHECK(Sample(m, R"(tdv_http_requests_total{route="/v1/verify",method="POST",status="422"})") ==
        1);
  CHECK(Sample(m, R"(tdv_http_requests_total{route="other",method="other",status="404"})") == 1);
  CHECK(Sample(m, R"(tdv_http_request_duration_seconds_count{route="/v1/verify"})") == 4);
  CHECK(Sample(m, R"(tdv_http_request_duration_seconds_bucket{route="/v1/verify",le="+Inf"})") ==
        4);
  CHECK(Sample(m, R"(tdv_verifications_total{verdict="clear",source="text"})") == 3);
  CHECK(Sample(m, R"(tdv_list_records{list="l"})") == 42);
  CHECK(m.find("# TYPE tdv_http_request_duration_seconds histogram") != std::string::npos);
}

TEST_CASE("routes: another method is 405 with Allow, unknown paths 404, body rules 411 and 413",
          "[http]") {
  ServerOptions o;
  o.max_body_bytes = 4096;
  LiveServer s(o);
  auto del = s.client().Delete("/v1/verify");
  Problem(del, 405);
  CHECK(del->get_header_value("Allow") == "POST");
  auto put = s.client().Put("/healthz", "x", "text/plain");
  Problem(put, 405);
  CHECK(put->get_header_value("Allow") == "GET");
  auto get_batch = s.client().Get("/v1/verify/batch");
  Problem(get_batch, 405);
  CHECK(get_batch->get_header_value("Allow") == "POST");
  Problem(s.client().Get("/v2/verify"), 404);
  // A body over the limit is refused on its Content-Length, unread.
  Problem(s.client().Post("/v1/verify", std::string(5000, ' '), "application/json"), 413);
  // A chunked body could not be bounded before reading it: 411.
  httplib::Client chunked("127.0.0.1", s.port());
  auto res = chunked.Post(
      "/v1/verify",
      [](size_t offset, httplib::DataSink& sink) {
        if (offset == 0) {
          sink.write("{}", 2);
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  Problem(res, 411);
}

TEST_CASE("openapi: the document names every route and no other; reports match its schema",
          "[http][openapi]") {
  Service svc;
  LiveServer s(svc.Options());
  auto res = s.client().Get("/openapi.json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const json doc = json::parse(res->body);
  CHECK(doc["openapi"].get<std::string>().rfind("3.1", 0) == 0);
  std::set<std::string> documented, registered;
  for (const auto& [documented_path, ops] : doc["paths"].items()) {
    const std::string path = documented_path;  // (clang 14 lambdas take no structured bindings)
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + path);
      // A route behind a key says so.
      const bool open = op.contains("security") && op["security"].empty();
      const auto route = std::find_if(Routes().begin(), Routes().end(), [&](const RouteInfo& r) {
        return r.method == m && r.path == path;
      });
      if (route != Routes().end()) {
        INFO(m + " " + path);
        CHECK(open == route->permission.empty());
      }
    }
  }
  for (const RouteInfo& r : Routes()) registered.insert(r.method + " " + r.path);
  CHECK(documented == registered);

  // Reports the server gives: valid, invalid, list-free TD1, batch answers.
  const json& report_schema = doc["components"]["schemas"]["VerificationReport"];
  REQUIRE(report_schema.is_object());
  std::vector<std::string> problems;
  const httplib::Headers as_integrator = {{"Authorization", "Bearer " + svc.integrator}};
  for (const json& request :
       {Item("a", testing::kTd3Specimen), Item("b", testing::kTd1Specimen),
        json{{"mrz",
              "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C46UTO7408122F1204159Z"
              "E184226B<<<<<10"}}}) {
    json body = request;
    body.erase("id");
    auto r = s.client().Post("/v1/verify", as_integrator, body.dump(), "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    Validate(doc, report_schema, json::parse(r->body), "report", problems);
  }
  auto batch =
      PostBatch(s, svc.integrator, Item("a", testing::kTd3Specimen).dump() + "\nnot json\n");
  REQUIRE(batch);
  const json& answer_schema = doc["components"]["schemas"]["BatchAnswer"];
  for (const json& line : Lines(batch->body)) Validate(doc, answer_schema, line, "batch", problems);
  auto problem = s.client().Post("/v1/verify", as_integrator, "{}", "application/json");
  REQUIRE(problem);
  Validate(doc, doc["components"]["schemas"]["Problem"], json::parse(problem->body), "problem",
           problems);
  for (const auto& p : problems) FAIL_CHECK(p);
}

}  // namespace
}  // namespace tdv::http
