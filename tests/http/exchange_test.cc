// SPDX-License-Identifier: Apache-2.0
// The partner exchange's routes over real HTTP on loopback, agency A's side
// on a real SQLite list and a real audit trail; agency B is the test: it
// blinds its probes, has A evaluate them, finalises, and pages through A's
// published outputs.
#include "tdv/verify/exchange.h"

#include <set>

#include "live_server.h"
#include "tdv/http/partner_client.h"
#include "tdv/lists/audit_store.h"
#include "tdv/lists/list_store.h"
#include "tdv/sig/base64.h"
#include "tdv/sig/oprf.h"
#include "tdv/verify/audit.h"

namespace tdv::http {
namespace {

using verify::exchange::PublishedSet;

std::span<const std::uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

httplib::Headers As(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

struct AgencyA {
  KeyFixture fx;
  tdv::testing::TempDir data;
  std::unique_ptr<verify::AuditTrail> trail;
  std::vector<std::uint8_t> key;
  std::shared_ptr<const PublishedSet> published;
  std::string partner = fx.keys.Create("partner", "", "agency B")->key;
  std::string officer = fx.keys.Create("officer", "", "desk")->key;
  AgencyA() {
    auto audit = lists::OpenSqliteAuditStore((data.path() / "audit.db").string());
    REQUIRE(audit);
    trail = std::make_unique<verify::AuditTrail>(std::move(*audit), std::string(64, 'a'),
                                                 verify::AuditOptions{});
    auto store = lists::OpenSqliteStore((data.path() / "lists.db").string());
    REQUIRE(store);
    auto session = (*store)->BeginImport({"sltd", "UTO-POLICE", "test", false});
    REQUIRE(session);
    // 300 records: more than one page of 256 outputs.
    for (int i = 0; i < 300; ++i) {
      lists::ListRecord r;
      r.issuing_state = "UTO";
      r.document_type = "P";
      r.document_number = i == 0 ? "S0002068" : "C" + std::to_string(10000000 + i);
      r.status = lists::RecordStatus::kStolen;
      REQUIRE((*session)->Add(lists::ChangeOp::kUpsert, r));
    }
    REQUIRE((*session)->Commit());
    key = *sig::oprf::RandomKey();
    auto built = PublishedSet::Build(**store, {"sltd"}, key, 2);
    REQUIRE(built);
    published = std::make_shared<const PublishedSet>(std::move(*built));
  }
  ServerOptions Options() {
    ServerOptions o;
    o.keys = &fx.keys;
    o.audit = trail.get();
    o.exchange_key = key;
    auto set = published;
    o.exchange_published = [set] { return set; };
    return o;
  }
  std::vector<lists::TrailEntry> Entries(const std::string& action) {
    lists::TrailQuery q;
    q.action = action;
    return *trail->Query(q);
  }
};

PartnerClient Partner(const LiveServer& s, const std::string& key) {
  // Pages of 256: A's 600 outputs come in three.
  return PartnerClient({"http://127.0.0.1:" + std::to_string(s.port()), key, 10, "", 256});
}

// B checks one document: all its probes in one request.
std::set<std::string> Check(const PartnerClient& partner, const PublishedSet& set,
                            const std::string& number) {
  auto hits = verify::exchange::CheckDocument(
      set, [&](const auto& elements) { return partner.Evaluate(elements); }, "UTO", "P<", number);
  INFO((hits ? std::string() : hits.error().message));
  REQUIRE(hits);
  std::set<std::string> found;
  for (const auto& h : *hits) {
    found.insert(h.look_alike ? "possible" : "exact");
    CHECK(h.list == "sltd");
  }
  return found;
}

TEST_CASE("exchange over HTTP: a partner finds a listed document, a misread, and nothing else",
          "[http][exchange]") {
  AgencyA a;
  LiveServer s(a.Options());
  const PartnerClient partner = Partner(s, a.partner);
  auto fetched = partner.FetchOutputs();
  INFO((fetched ? "" : fetched.error().message));
  REQUIRE(fetched);
  const PublishedSet& b_copy = *fetched;
  CHECK(b_copy.entries().size() == 600);
  CHECK(b_copy.lists() == std::vector<std::string>{"sltd"});
  CHECK(b_copy.entries() == a.published->entries());

  CHECK(Check(partner, b_copy, "S0002068") == std::set<std::string>{"exact", "possible"});
  CHECK(Check(partner, b_copy, "80002068") == std::set<std::string>{"possible"});
  CHECK(Check(partner, b_copy, "C10000007") == std::set<std::string>{"exact", "possible"});
  CHECK(Check(partner, b_copy, "X12345678").empty());

  // A's trail has each call, with counts only: what B checked cannot be in
  // it (A never saw it).
  const auto evaluated = a.Entries("exchange.evaluate");
  REQUIRE(evaluated.size() == 4);
  for (const auto& e : evaluated) {
    CHECK(e.detail.rfind("elements=", 0) == 0);
    CHECK(e.detail.find("0002068") == std::string::npos);
  }
  CHECK(a.Entries("exchange.outputs").size() == 3);  // 600 outputs in pages of 256

  // A partner that refuses B's key, or is not there: unavailable, with why.
  auto refused = Partner(s, a.officer).FetchOutputs();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kUnavailable);
  CHECK(refused.error().message.find("HTTP 403") != std::string::npos);
  auto gone = PartnerClient({"http://127.0.0.1:1", a.partner, 2, "", 256}).Evaluate({{0x02}});
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ErrorCode::kUnavailable);
}

TEST_CASE("exchange over HTTP: a partner holding the outputs takes what changed since",
          "[http][exchange]") {
  AgencyA a;
  const std::shared_ptr<const PublishedSet> before = a.published;
  // At A: one record listed, two delisted; the outputs updated with them.
  auto store = lists::OpenSqliteStore((a.data.path() / "lists.db").string());
  REQUIRE(store);
  {
    auto session = (*store)->BeginImport({"sltd", "UTO-POLICE", "test", true});
    REQUIRE(session);
    lists::ListRecord r;
    r.issuing_state = "UTO";
    r.document_type = "P";
    r.status = lists::RecordStatus::kLost;
    r.document_number = "X12345678";
    REQUIRE((*session)->Add(lists::ChangeOp::kUpsert, r));
    for (const char* gone : {"C10000001", "C10000002"}) {
      r.document_number = gone;
      REQUIRE((*session)->Add(lists::ChangeOp::kDelete, r));
    }
    REQUIRE((*session)->Commit());
  }
  auto changes = (*store)->ChangesSince(before->sequence(), 100);
  REQUIRE(changes);
  auto updated = before->Update(*changes, a.key);
  REQUIRE(updated);
  const auto after = std::make_shared<const PublishedSet>(std::move(*updated));
  REQUIRE(after->entries().size() == 598);
  // A publishes `after`; what it knows of the change is `known` (as
  // ExchangePublisher::DeltaSince: the diff from the sequence it kept).
  std::optional<verify::exchange::SetDelta> known = verify::exchange::Diff(*before, *after);
  CHECK(known->added.size() == 2);
  CHECK(known->removed.size() == 4);
  ServerOptions o = a.Options();
  o.exchange_published = [after] { return after; };
  o.exchange_delta = [&](std::int64_t since) -> std::optional<verify::exchange::SetDelta> {
    if (since == after->sequence())
      return verify::exchange::SetDelta{since, since, {}, {}};  // current: nothing changed
    if (!known || since != known->from) return std::nullopt;
    return known;
  };
  LiveServer s(o);
  const PartnerClient partner = Partner(s, a.partner);
  bool whole = true;
  auto fetched = partner.FetchOutputs(before.get(), &whole);
  INFO((fetched ? "" : fetched.error().message));
  REQUIRE(fetched);
  CHECK_FALSE(whole);
  CHECK(fetched->sequence() == after->sequence());
  CHECK(fetched->entries() == after->entries());
  CHECK(Check(partner, *fetched, "X12345678") == std::set<std::string>{"exact", "possible"});
  CHECK(Check(partner, *fetched, "C10000001").count("exact") == 0);
  auto asked = a.Entries("exchange.outputs");
  REQUIRE(asked.size() == 1);  // one request, not the three pages of the whole
  CHECK(asked[0].detail == "since=" + std::to_string(before->sequence()) + " added=2 removed=4");
  // Held already current: nothing to add.
  fetched = partner.FetchOutputs(after.get(), &whole);
  REQUIRE(fetched);
  CHECK_FALSE(whole);
  CHECK(fetched->entries() == after->entries());
  // A delta that does not come to A's total (A's own mistake, or a copy
  // that is not what A thinks), or none kept from there: paged whole.
  known->removed.pop_back();
  fetched = partner.FetchOutputs(before.get(), &whole);
  REQUIRE(fetched);
  CHECK(whole);
  CHECK(fetched->entries() == after->entries());
  known.reset();
  fetched = partner.FetchOutputs(before.get(), &whole);
  REQUIRE(fetched);
  CHECK(whole);
  CHECK(fetched->entries() == after->entries());
}

TEST_CASE("exchange over HTTP: keys, bad elements and limits", "[http][exchange]") {
  AgencyA a;
  LiveServer s(a.Options());
  auto& c = s.client();
  // A fixed blind: the same element, and the same x coordinates below, every run.
  const auto blinded = *sig::oprf::Blind(
      Bytes("E|UTO|P|X1"),
      *sig::DecodeHex("3338fa65ec36e0290022b48eb562889d89dbfa691d1cde91517fa222ed7ad364"));
  const std::string good = json{{"elements", {sig::EncodeHex(blinded.element)}}}.dump();
  // Only a partner (or admin) key: an officer's desk key cannot sweep a
  // partner's lists through this route.
  Problem(c.Post("/v1/exchange/evaluate", good, "application/json"), 401);
  Problem(c.Post("/v1/exchange/evaluate", As(a.officer), good, "application/json"), 403);
  Problem(c.Get("/v1/exchange/outputs", As(a.officer)), 403);
  Problem(c.Post("/v1/exchange/evaluate", As(a.partner), good, "text/plain"), 415);
  Problem(c.Post("/v1/exchange/evaluate", As(a.partner), "{", "application/json"), 400);
  Problem(c.Post("/v1/exchange/evaluate", As(a.partner), R"({"elements":[]})", "application/json"),
          422);
  json many{{"elements", json::array()}};
  for (int i = 0; i < 65; ++i) many["elements"].push_back(sig::EncodeHex(blinded.element));
  Problem(c.Post("/v1/exchange/evaluate", As(a.partner), many.dump(), "application/json"), 422);
  auto bad_point = blinded.element;
  bad_point[0] = 0x04;
  for (const auto& bad :
       {json{{"elements", {"zz"}}}, json{{"elements", {sig::EncodeHex(bad_point)}}},
        json{{"elements", {sig::EncodeHex(blinded.element), 7}}}}) {
    auto res = c.Post("/v1/exchange/evaluate", As(a.partner), bad.dump(), "application/json");
    Problem(res, 422);
  }
  // Of a few x coordinates moved by one, some are not on the curve: 422, never 500.
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    auto x = blinded.element;
    x[32] = static_cast<std::uint8_t>(x[32] + 1 + i);
    auto res = c.Post("/v1/exchange/evaluate", As(a.partner),
                      json{{"elements", {sig::EncodeHex(x)}}}.dump(), "application/json");
    REQUIRE(res);
    CHECK((res->status == 200 || res->status == 422));
    refused += res->status == 422;
  }
  CHECK(refused > 0);
  Problem(c.Get("/v1/exchange/outputs?limit=100001", As(a.partner)), 422);
  Problem(c.Get("/v1/exchange/outputs?offset=-1", As(a.partner)), 422);
  auto past_end = c.Get("/v1/exchange/outputs?offset=100000", As(a.partner));
  REQUIRE(past_end);
  CHECK(past_end->status == 200);
  CHECK(json::parse(past_end->body)["outputs"].empty());
}

TEST_CASE("exchange over HTTP: an instance that shares nothing, and outputs not built yet",
          "[http][exchange]") {
  AgencyA a;
  {
    ServerOptions o = a.Options();
    o.exchange_key.clear();
    LiveServer s(o);
    const auto blinded = *sig::oprf::Blind(Bytes("E|UTO|P|X1"));
    Problem(s.client().Post("/v1/exchange/evaluate", As(a.partner),
                            json{{"elements", {sig::EncodeHex(blinded.element)}}}.dump(),
                            "application/json"),
            404);
    Problem(s.client().Get("/v1/exchange/outputs", As(a.partner)), 404);
  }
  ServerOptions o = a.Options();
  o.exchange_published = [] { return std::shared_ptr<const PublishedSet>(); };
  LiveServer s(o);
  auto res = s.client().Get("/v1/exchange/outputs", As(a.partner));
  Problem(res, 503);
  CHECK(res->get_header_value("Retry-After") == "5");
}

}  // namespace
}  // namespace tdv::http
