// SPDX-License-Identifier: Apache-2.0
// The administration routes over real HTTP on loopback, on a real SQLite
// list store, a real trust directory (the test PKI) and a real audit trail:
// the source rules of the CLI, streamed imports, bad rows, single records,
// the change history, trust import, list and removal.
#include "live_server.h"
#include "schema_check.h"
#include "tdv/lists/audit_store.h"
#include "tdv/lists/list_store.h"
#include "tdv/verify/audit.h"

namespace tdv::http {
namespace {

const char* kCsv =
    "issuing_state,document_type,document_number,status,reporting_agency\n"
    "UTO,P,L898902C3,stolen,UTO-POLICE\n"
    "UTO,I,D23145890,lost,\n";

struct Admin {
  KeyFixture fx;
  tdv::testing::TempDir data;
  std::string lists_file = (data.path() / "lists.db").string();
  std::unique_ptr<verify::AuditTrail> trail;
  std::string agency_a = fx.keys.Create("list-admin", "AGENCY-A", "a")->key;
  std::string agency_b = fx.keys.Create("list-admin", "AGENCY-B", "b")->key;
  std::string admin = fx.keys.Create("admin", "", "ops")->key;
  std::string officer = fx.keys.Create("officer", "", "desk")->key;
  Admin() {
    auto store = lists::OpenSqliteAuditStore((data.path() / "audit.db").string());
    REQUIRE(store.has_value());
    trail = std::make_unique<verify::AuditTrail>(std::move(*store), std::string(64, 'a'),
                                                 verify::AuditOptions{});
  }
  ServerOptions Options() {
    ServerOptions o;
    o.keys = &fx.keys;
    o.audit = trail.get();
    const std::string file = lists_file;
    o.open_lists = [file] { return lists::OpenSqliteStore(file); };
    o.trust_dir = (data.path() / "trust").string();
    return o;
  }
  std::size_t Entries(const std::string& action) {
    lists::TrailQuery q;
    q.action = action;
    return trail->Query(q)->size();
  }
};

httplib::Headers As(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

TEST_CASE("lists over HTTP: import, stats, records, changes, with the CLI's source rules",
          "[http][admin]") {
  Admin a;
  LiveServer s(a.Options());
  auto& c = s.client();
  // A list-admin imports into a new list, owned by its source from then on.
  auto res = c.Post("/v1/lists/sltd/import", As(a.agency_a), kCsv, "text/csv");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  json j = json::parse(res->body);
  CHECK(j["list"] == "sltd");
  CHECK(j["source"] == "AGENCY-A");
  CHECK(j["records"] == 2);
  CHECK(j["version"] == 1);
  CHECK(a.Entries("lists.import") == 1);

  res = c.Get("/v1/lists", As(a.agency_b));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  j = json::parse(res->body);
  REQUIRE(j["lists"].size() == 1);
  CHECK(j["lists"][0]["source"] == "AGENCY-A");
  CHECK(j["lists"][0]["records"] == 2);

  // Another source may not change it, nor may a key ask for another source.
  Problem(c.Post("/v1/lists/sltd/import", As(a.agency_b), kCsv, "text/csv"), 403);
  Problem(c.Post("/v1/lists/sltd/import?source=AGENCY-B", As(a.agency_a), kCsv, "text/csv"), 403);
  // An admin names the source; the owner's is accepted, another refused.
  Problem(c.Post("/v1/lists/sltd/import", As(a.admin), kCsv, "text/csv"), 422);
  Problem(c.Post("/v1/lists/sltd/import?source=AGENCY-B", As(a.admin), kCsv, "text/csv"), 403);
  Problem(c.Post("/v1/lists/sltd/import", As(a.officer), kCsv, "text/csv"), 403);
  Problem(c.Post("/v1/lists/sltd/import", As(a.agency_a), kCsv, "application/json"), 415);

  // Bad rows: nothing changes, and each is named with its line.
  res = c.Post("/v1/lists/sltd/import", As(a.agency_a),
               "issuing_state,document_type,document_number,status\nUTO,P,X1,stolen\n"
               "UTO,P,,stolen\nUTO,P,X3,misplaced\n",
               "text/csv");
  j = Problem(res, 422);
  CHECK(j["error_count"] == 2);
  CHECK(j["errors"][0]["line"] == 3);
  CHECK(j["errors"][1]["line"] == 4);
  res = c.Get("/v1/lists", As(a.agency_a));
  CHECK(json::parse(res->body)["lists"][0]["version"] == 1);

  // A delta in JSON Lines, then one record added and one removed.
  res = c.Post(
      "/v1/lists/sltd/import?mode=delta", As(a.agency_a),
      R"({"issuing_state":"UTO","document_type":"P","document_number":"AB1234567","status":"revoked"})"
      "\n"
      R"({"op":"delete","issuing_state":"UTO","document_type":"I","document_number":"D23145890","status":"lost"})"
      "\n",
      "application/x-ndjson");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  j = json::parse(res->body);
  CHECK(j["records"] == 2);
  CHECK(j["upserted"] == 1);
  CHECK(j["deleted"] == 1);
  CHECK(a.Entries("lists.delta") == 1);

  res = c.Post("/v1/lists/sltd/records", As(a.agency_a),
               R"({"issuing_state": "UTO", "document_type": "P",
                   "document_number": "ZZ0000001", "status": "lost", "reason": "reported at desk"})",
               "application/json");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  CHECK(json::parse(res->body)["records"] == 3);
  Problem(c.Post("/v1/lists/sltd/records", As(a.agency_a),
                 R"({"issuing_state": "UTO", "document_type": "P", "status": "lost"})",
                 "application/json"),
          422);
  Problem(
      c.Post(
          "/v1/lists/sltd/records", As(a.agency_b),
          R"({"issuing_state":"UTO","document_type":"P","document_number":"Q1","status":"lost"})",
          "application/json"),
      403);
  res = c.Delete("/v1/lists/sltd/records/UTO/P/ZZ0000001", As(a.agency_a));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(json::parse(res->body)["records"] == 2);
  Problem(c.Delete("/v1/lists/sltd/records/UTO/P/ZZ0000001", As(a.agency_a)), 404);
  CHECK(a.Entries("lists.add") == 1);
  CHECK(a.Entries("lists.remove") == 1);

  // The list's own history, newest first, names the key that acted.
  res = c.Get("/v1/lists/sltd/changes?limit=10", As(a.agency_a));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  j = json::parse(res->body)["changes"];
  REQUIRE(j.size() >= 4);
  CHECK(j[0]["actor"] == "key:" + KeyManager::KeyIdOf("Bearer " + a.agency_a));

  // The answers are as docs/openapi.json describes them.
  const json doc = json::parse(c.Get("/openapi.json")->body);
  std::vector<std::string> problems;
  ValidateAs(doc, "ListsPage", json::parse(c.Get("/v1/lists", As(a.admin))->body), problems);
  ValidateAs(doc, "Changes", json::parse(c.Get("/v1/lists/sltd/changes", As(a.admin))->body),
             problems);
  ValidateAs(
      doc, "ImportResult",
      json::parse(
          c.Post("/v1/lists/sltd/import?mode=delta", As(a.agency_a), kCsv, "text/csv")->body),
      problems);
  ValidateAs(doc, "BadRows",
             json::parse(c.Post("/v1/lists/sltd/import", As(a.agency_a),
                                "issuing_state,document_type,document_number,status\nUTO,P,,x\n",
                                "text/csv")
                             ->body),
             problems);
  for (const auto& p : problems) FAIL_CHECK(p);

  // What the store now holds, read directly.
  auto store = lists::OpenSqliteStore(a.lists_file);
  REQUIRE(store.has_value());
  auto rec = (*store)->Get("sltd", "UTO", "P", "AB1234567");
  REQUIRE(rec.has_value());
  REQUIRE(rec->has_value());
  CHECK((*rec)->status == lists::RecordStatus::kRevoked);
}

TEST_CASE("lists over HTTP: an import body is streamed, chunked or not, past max_body_bytes",
          "[http][admin]") {
  Admin a;
  ServerOptions o = a.Options();
  o.max_body_bytes = 4096;
  LiveServer s(o);
  std::string csv = "issuing_state,document_type,document_number,status\n";
  for (int i = 0; i < 5000; ++i) csv += "UTO,P,N" + std::to_string(1000000 + i) + ",lost\n";
  REQUIRE(csv.size() > 50000);
  auto res = s.client().Post("/v1/lists/big/import", As(a.agency_a), csv, "text/csv");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  CHECK(json::parse(res->body)["records"] == 5000);
  // Chunked too (other routes answer 411).
  std::size_t sent = 0;
  res = s.client().Post(
      "/v1/lists/big/import", As(a.agency_a),
      [&](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= csv.size()) {
          sink.done();
          return true;
        }
        const std::size_t n = std::min<std::size_t>(7000, csv.size() - offset);
        sink.write(csv.data() + offset, n);
        sent += n;
        return true;
      },
      "text/csv");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(json::parse(res->body)["version"] == 2);
  CHECK(sent == csv.size());
}

TEST_CASE("trust over HTTP: import certificates and master lists, list, remove (admin only)",
          "[http][admin]") {
  Admin a;
  LiveServer s(a.Options());
  auto& c = s.client();
  const std::string pki = TDV_TEST_PKI_DIR;
  const std::string nl = tdv::testing::ReadFile(pki + "/csca/nl.pem");
  REQUIRE_FALSE(nl.empty());
  Problem(c.Post("/v1/trust", As(a.agency_a), nl, "application/x-pem-file"), 403);
  auto res = c.Post("/v1/trust", As(a.admin), nl, "application/x-pem-file");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 201);
  json j = json::parse(res->body);
  REQUIRE(j["added"].size() == 1);
  CHECK(j["added"][0]["kind"] == "csca");
  CHECK(j["added"][0]["country"] == "NL");
  const std::string id = j["added"][0]["id"];
  // The same again: nothing new.
  res = c.Post("/v1/trust", As(a.admin), nl, "application/x-pem-file");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["already_present"] == 1);
  // A master list, verified against the root given with it.
  const json ml = {
      {"data", tdv::testing::Base64(tdv::testing::ReadFile(pki + "/ml/masterlist.ml"))},
      {"roots", {tdv::testing::Base64(tdv::testing::ReadFile(pki + "/csca/de-old.pem"))}}};
  res = c.Post("/v1/trust", As(a.admin), ml.dump(), "application/json");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 201);
  CHECK(json::parse(res->body)["master_list"] == true);
  // One whose signer chains to nothing given is refused, nothing written.
  const json untrusted = {
      {"data", tdv::testing::Base64(tdv::testing::ReadFile(pki + "/ml/masterlist-untrusted.ml"))},
      {"roots", {tdv::testing::Base64(nl)}}};
  Problem(c.Post("/v1/trust", As(a.admin), untrusted.dump(), "application/json"), 422);
  Problem(c.Post("/v1/trust", As(a.admin), "not a certificate", "application/x-pem-file"), 422);
  // A CRL, with its next update.
  res = c.Post("/v1/trust", As(a.admin), tdv::testing::ReadFile(pki + "/crl/nl.pem"),
               "application/x-pem-file");
  REQUIRE(res);
  REQUIRE(res->status == 201);

  res = c.Get("/v1/trust", As(a.admin));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  j = json::parse(res->body)["entries"];
  bool crl_seen = false;
  for (const auto& e : j) {
    if (e["kind"] == "crl") {
      crl_seen = true;
      CHECK(e["expired"] == false);
      CHECK_FALSE(e["not_after"].get<std::string>().empty());
    }
  }
  CHECK(crl_seen);
  const json doc = json::parse(c.Get("/openapi.json")->body);
  std::vector<std::string> problems;
  ValidateAs(doc, "TrustList", json::parse(res->body), problems);
  for (const auto& p : problems) FAIL_CHECK(p);
  const std::size_t before = j.size();
  res = c.Delete("/v1/trust/" + id, As(a.admin));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(json::parse(res->body)["removed"]["id"] == id);
  CHECK(json::parse(c.Get("/v1/trust", As(a.admin))->body)["entries"].size() == before - 1);
  Problem(c.Delete("/v1/trust/" + id, As(a.admin)), 404);
  CHECK(a.Entries("trust.import") == 3);
  CHECK(a.Entries("trust.remove") == 1);
}

}  // namespace
}  // namespace tdv::http
