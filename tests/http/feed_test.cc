// SPDX-License-Identifier: Apache-2.0
// Mode 2's signed feeds (tdv/http/feed.h): what agency B accepts from
// agency A and what it refuses, with the test PKI's feed signers.
#include "tdv/http/feed.h"

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "catch.h"
#include "process.h"
#include "tdv/lists/list_store.h"
#include "tdv/lists/record.h"
#include "tdv/sig/base64.h"

namespace tdv::http {
namespace {

namespace fs = std::filesystem;
const fs::path kTls = fs::path(TDV_TEST_PKI_DIR) / "tls";
using verify::exchange::PublishedSet;

std::unique_ptr<sig::DataSigner> Signer(const std::string& name) {
  auto s =
      sig::DataSigner::Load((kTls / (name + ".pem")).string(), (kTls / (name + ".key")).string());
  REQUIRE(s.has_value());
  return std::move(*s);
}

PublishedSet Keyed(const tdv::testing::TempDir& dir, const std::string& key) {
  auto store = lists::OpenSqliteStore((dir.path() / "lists.db").string());
  REQUIRE(store);
  auto session = (*store)->BeginImport({"sltd", "UTO-POLICE", "test", false});
  REQUIRE(session);
  for (const char* number : {"S0002068", "L898902C3"}) {
    lists::ListRecord r;
    r.issuing_state = "UTO";
    r.document_type = "P";
    r.document_number = number;
    r.status = lists::RecordStatus::kStolen;
    REQUIRE((*session)->Add(lists::ChangeOp::kUpsert, r));
  }
  REQUIRE((*session)->Commit());
  auto set = PublishedSet::BuildKeyed(**store, {"sltd"}, key, 1);
  REQUIRE(set);
  return std::move(*set);
}

// `text` refused by B as corrupt, for a reason that says `why`.
void Refused(const std::string& text, const sig::SignerTrust& trust, const FeedExpectation& e,
             const std::string& why) {
  auto r = OpenFeedAnswer(text, trust, e);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kCorrupt);
  INFO(r.error().message);
  CHECK(r.error().message.find(why) != std::string::npos);
}

TEST_CASE("feed: B takes A's signed feed and refuses a tampered, foreign or stale one",
          "[http][feed]") {
  tdv::testing::TempDir dir;
  const std::string key(64, 'b');
  const PublishedSet set = Keyed(dir, key);
  auto trust = sig::SignerTrust::Load((kTls / "ca.pem").string());
  REQUIRE(trust);
  const auto signer = Signer("feed-a");
  FeedHeader h{"b0b0b0b0b0b0b0b0", "sltd", 3, 0, "2026-12-07T10:00:00.000Z", false};
  auto answer = MakeFeedAnswer(h, &set, *signer);
  REQUIRE(answer);
  FeedExpectation expect{"b0b0b0b0b0b0b0b0", "sltd", 0, std::nullopt};
  auto opened = OpenFeedAnswer(*answer, **trust, expect);
  REQUIRE(opened);
  REQUIRE(opened->set);
  CHECK(opened->set->entries() == set.entries());
  CHECK(opened->header.sequence == 3);
  CHECK(verify::exchange::CheckDocumentKeyed(*opened->set, key, "UTO", "P", "S0002068").size() ==
        2);

  const auto refused = [&](const std::string& text, const FeedExpectation& e,
                           const std::string& why) { Refused(text, **trust, e, why); };
  SECTION("tampered: a byte of the payload, or the signature of another") {
    auto j = nlohmann::json::parse(*answer);
    auto bytes = *sig::DecodeBase64(j["payload"].get<std::string>());
    bytes[bytes.size() / 2] ^= 1;
    j["payload"] = sig::EncodeBase64(bytes);
    refused(j.dump(), expect, "not signed by the partner");
    refused(R"({"payload": "e30=", "signature": "AAAA"})", expect, "not signed by the partner");
    refused("[]", expect, "not {");
  }
  SECTION("signed by a signer of the same name under another CA") {
    auto forged = MakeFeedAnswer(h, &set, *Signer("feed-impostor"));
    REQUIRE(forged);
    refused(*forged, expect, "not signed by the partner");
  }
  SECTION("made for another partner or list") {
    refused(*answer, {"c1c1c1c1c1c1c1c1", "sltd", 0, std::nullopt}, "another partner");
    refused(*answer, {"b0b0b0b0b0b0b0b0", "other", 0, std::nullopt}, "another list");
  }
  SECTION("replayed: an answer to another request, or one no newer than the copy held") {
    refused(*answer, {"b0b0b0b0b0b0b0b0", "sltd", 3, std::nullopt}, "another request");
    refused(*answer, {"b0b0b0b0b0b0b0b0", "sltd", 0, h}, "replayed");
  }
  SECTION("rolled back: an older sequence than the copy held") {
    FeedHeader held = h;
    held.sequence = 5;
    held.issued = "2026-12-07T09:00:00.000Z";
    refused(*answer, {"b0b0b0b0b0b0b0b0", "sltd", 0, held}, "rolled back");
  }
  SECTION("unchanged: current, no entries; a moved sequence called unchanged is refused") {
    FeedHeader same = h;
    same.since = 3;
    same.unchanged = true;
    same.issued = "2026-12-07T11:00:00.000Z";
    auto current = MakeFeedAnswer(same, nullptr, *signer);
    REQUIRE(current);
    auto ok = OpenFeedAnswer(*current, **trust, {"b0b0b0b0b0b0b0b0", "sltd", 3, h});
    REQUIRE(ok);
    CHECK(ok->header.unchanged);
    CHECK_FALSE(ok->set);
    same.sequence = 4;
    auto lying = MakeFeedAnswer(same, nullptr, *signer);
    refused(*lying, {"b0b0b0b0b0b0b0b0", "sltd", 3, h}, "sequence moved");
  }
}

// `answer` with its payload changed by `edit` and signed again by `signer`:
// what A could sign, for checks after the signature.
std::string Resigned(const std::string& answer, const sig::DataSigner& signer,
                     const std::function<void(nlohmann::json&)>& edit) {
  auto j = nlohmann::json::parse(answer);
  auto raw = *sig::DecodeBase64(j["payload"].get<std::string>());
  auto payload = nlohmann::json::parse(std::string(raw.begin(), raw.end()));
  edit(payload);
  const std::string bytes = payload.dump();
  auto signature = signer.Sign(bytes);
  REQUIRE(signature);
  const std::vector<std::uint8_t> b(bytes.begin(), bytes.end());
  return nlohmann::json{{"payload", sig::EncodeBase64(b)},
                        {"signature", sig::EncodeBase64(*signature)}}
      .dump();
}

// The store's changes since `cursor`, keyed under `key`, and the change
// sequence they end at.
std::pair<std::vector<verify::exchange::KeyedChange>, std::int64_t> KeyedSince(
    lists::ListStore& store, std::int64_t cursor, const std::string& key) {
  auto now = store.ChangeSequence();
  REQUIRE(now);
  auto events = store.ChangesSince(cursor, 1000);
  REQUIRE(events);
  auto keyed = PublishedSet::KeyedChanges({"sltd"}, *events, key);
  REQUIRE(keyed);
  return {std::move(*keyed), *now};
}

void Change(lists::ListStore& store, lists::ChangeOp op, const char* number) {
  auto session = store.BeginImport({"sltd", "UTO-POLICE", "test", true});
  REQUIRE(session);
  lists::ListRecord r;
  r.issuing_state = "UTO";
  r.document_type = "P";
  r.document_number = number;
  r.status = lists::RecordStatus::kLost;
  REQUIRE((*session)->Add(op, r));
  REQUIRE((*session)->Commit());
}

TEST_CASE("feed: a delta brings B's copy to A's set, and is refused where it would not",
          "[http][feed]") {
  tdv::testing::TempDir dir;
  const std::string key(64, 'b');
  const PublishedSet base = Keyed(dir, key);  // S0002068, L898902C3; version 1
  auto store = lists::OpenSqliteStore((dir.path() / "lists.db").string());
  REQUIRE(store);
  auto cursor = (*store)->ChangeSequence();
  REQUIRE(cursor);
  auto trust = sig::SignerTrust::Load((kTls / "ca.pem").string());
  REQUIRE(trust);
  const auto signer = Signer("feed-a");
  const std::string b_id = "b0b0b0b0b0b0b0b0";
  FeedHeader held{b_id, "sltd", 1, 0, "2026-12-07T10:00:00.000Z", false};
  held.changes = *cursor;
  held.entries = 4;
  // At A: one listed, one delisted, one listed and delisted again.
  Change(**store, lists::ChangeOp::kUpsert, "C01X00T47");
  Change(**store, lists::ChangeOp::kDelete, "S0002068");
  Change(**store, lists::ChangeOp::kUpsert, "X12345678");
  Change(**store, lists::ChangeOp::kDelete, "X12345678");
  const auto [keyed, now] = KeyedSince(**store, *cursor, key);
  CHECK(keyed.size() == 4);
  auto rebuilt = PublishedSet::BuildKeyed(**store, {"sltd"}, key, 1);
  REQUIRE(rebuilt);
  FeedHeader h{b_id, "sltd", 5, 1, "2026-12-07T11:00:00.000Z", false};
  h.delta = true;
  h.from = *cursor;
  h.changes = now;
  h.entries = static_cast<std::int64_t>(rebuilt->entries().size());
  auto answer = MakeFeedDelta(h, keyed, *signer);
  REQUIRE(answer);
  FeedExpectation expect{b_id, "sltd", 1, held, *cursor, &base};
  auto opened = OpenFeedAnswer(*answer, **trust, expect);
  INFO((opened ? "" : opened.error().message));
  REQUIRE(opened);
  REQUIRE(opened->set);
  CHECK(opened->header.delta);
  CHECK(opened->header.changes == now);
  CHECK(opened->set->sequence() == 5);
  CHECK(opened->set->entries() == rebuilt->entries());
  CHECK(verify::exchange::CheckDocumentKeyed(*opened->set, key, "UTO", "P", "C01X00T47").size() ==
        2);
  CHECK(verify::exchange::CheckDocumentKeyed(*opened->set, key, "UTO", "P", "S0002068").empty());

  const auto refused = [&](const std::string& text, const FeedExpectation& e,
                           const std::string& why) { Refused(text, **trust, e, why); };
  SECTION("no copy held to apply it to") {
    refused(*answer, {b_id, "sltd", 1, held, *cursor, nullptr}, "no copy is held");
    refused(*answer, {b_id, "sltd", 1, std::nullopt, *cursor, &base}, "no copy is held");
  }
  SECTION("a delta from another cursor than asked: replayed") {
    refused(*answer, {b_id, "sltd", 1, held, *cursor + 1, &base}, "replayed");
    refused(*answer, {b_id, "sltd", 1, held, 0, &base}, "replayed");
  }
  SECTION("applied to another copy than A's: the count A signed does not come out") {
    PublishedSet other = PublishedSet::FromEntries({"sltd"}, {}, 1);
    refused(*answer, {b_id, "sltd", 1, held, *cursor, &other}, "does not apply");
  }
  SECTION("a whole answer whose entries do not come to the count signed") {
    FeedHeader whole = h;
    whole.delta = false;
    auto w = MakeFeedAnswer(whole, &*rebuilt, *signer);
    REQUIRE(w);
    const std::string forged = Resigned(*w, *signer, [&](nlohmann::json& payload) {
      CHECK(payload["entries"] == rebuilt->entries().size());
      payload["entries"] = rebuilt->entries().size() + 2;  // signed so by A, yet not what it holds
    });
    refused(forged, {b_id, "sltd", 1, held}, "the partner signed");
  }
  SECTION("tampered: a byte of the changes") {
    auto j = nlohmann::json::parse(*answer);
    auto bytes = *sig::DecodeBase64(j["payload"].get<std::string>());
    bytes[bytes.size() - 8] ^= 1;
    j["payload"] = sig::EncodeBase64(bytes);
    refused(j.dump(), expect, "not signed by the partner");
  }
  SECTION("numbers out of range: refused, not converted (fuzz_feed_payload found it)") {
    for (const char* field : {"since", "sequence", "from", "entries", "changes"}) {
      nlohmann::json p = {{"format", "tdv-feed-1"}, {"partner", b_id}, {"list", "sltd"},
                          {"sequence", 5},          {"since", 1},      {"issued", "x"},
                          {"unchanged", false},     {"delta", true},   {"from", *cursor},
                          {"records", ""},          {"entries", 4},    {"changes", now}};
      for (const double big : {4e19, -4e19, 1.5}) {
        p[field] = big;
        auto r = OpenFeedPayload(p.dump(), expect);
        INFO(field << " " << big);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::kCorrupt);
      }
      p[field] = nlohmann::json::number_unsigned_t{18'000'000'000'000'000'000u};
      CHECK_FALSE(OpenFeedPayload(p.dump(), expect));
    }
  }
  SECTION("the same changes applied again change nothing") {
    CHECK(opened->set->Apply(keyed, 5).entries() == rebuilt->entries());
  }
}

// A's records with their details, as Import and the store keep them.
void Put(lists::ListStore& store, lists::ChangeOp op, const char* type, const char* number,
         lists::RecordStatus status, std::optional<mrz::CivilDate> reported,
         std::optional<mrz::CivilDate> expiry) {
  auto session = store.BeginImport({"sltd", "UTO-POLICE", "test", true});
  REQUIRE(session);
  lists::ListRecord r;
  r.issuing_state = "UTO";
  r.document_type = type;
  r.document_number = number;
  r.status = status;
  r.date_reported = reported;
  r.expiry_date = expiry;
  r.reporting_agency = "UTO-POLICE-7";
  r.reason = "reported at the desk";
  REQUIRE((*session)->Add(op, r));
  REQUIRE((*session)->Commit());
}

TEST_CASE("feed: with A's feed_details, B's copy carries each record's status and dates",
          "[http][feed]") {
  using lists::RecordStatus;
  using verify::exchange::CheckDocumentKeyed;
  using verify::exchange::SharedDetails;
  tdv::testing::TempDir dir;
  const std::string key(64, 'b');
  auto store = lists::OpenSqliteStore((dir.path() / "lists.db").string());
  REQUIRE(store);
  const mrz::CivilDate reported{2026, 3, 14}, expiry{2031, 3, 13};
  // One number listed as a P and as a PD (one type family: one exact output).
  Put(**store, lists::ChangeOp::kUpsert, "P", "L898902C3", RecordStatus::kStolen, reported, expiry);
  Put(**store, lists::ChangeOp::kUpsert, "PD", "L898902C3", RecordStatus::kRevoked, std::nullopt,
      std::nullopt);
  Put(**store, lists::ChangeOp::kUpsert, "P", "S0002068", RecordStatus::kLost, reported,
      std::nullopt);
  auto cursor = (*store)->ChangeSequence();
  REQUIRE(cursor);
  auto shared = PublishedSet::BuildKeyed(**store, {"sltd"}, key, 1, false, true);
  REQUIRE(shared);
  CHECK(shared->shares_details());
  CHECK(shared->details().size() == 3);
  auto trust = sig::SignerTrust::Load((kTls / "ca.pem").string());
  REQUIRE(trust);
  const auto signer = Signer("feed-a");
  const std::string b_id = "b0b0b0b0b0b0b0b0";
  FeedHeader h{b_id, "sltd", 3, 0, "2026-12-07T10:00:00.000Z", false};
  h.changes = *cursor;
  auto answer = MakeFeedAnswer(h, &*shared, *signer);
  REQUIRE(answer);
  const FeedExpectation first{b_id, "sltd", 0, std::nullopt};
  auto opened = OpenFeedAnswer(*answer, **trust, first);
  INFO((opened ? "" : opened.error().message));
  REQUIRE(opened);
  REQUIRE(opened->set);
  CHECK(opened->set->shares_details());
  CHECK(opened->set->details() == shared->details());
  auto hits = CheckDocumentKeyed(*opened->set, key, "UTO", "P", "L898902C3");
  REQUIRE(hits.size() == 2);
  CHECK_FALSE(hits[0].look_alike);
  REQUIRE(hits[0].details.size() == 2);  // the P and the PD
  CHECK(hits[0].details[0].document_type == "P");
  CHECK(hits[0].details[0].status == RecordStatus::kStolen);
  CHECK(hits[0].details[0].date_reported == reported);
  CHECK(hits[0].details[0].expiry_date == expiry);
  CHECK(hits[0].details[1].document_type == "PD");
  CHECK(hits[0].details[1].status == RecordStatus::kRevoked);
  CHECK_FALSE(hits[0].details[1].date_reported);
  CHECK(hits[1].look_alike);
  CHECK(hits[1].details.empty());  // a look-alike output names no one record
  // Nothing but status and dates: the agency and the reason stay at A.
  auto raw = *sig::DecodeBase64(nlohmann::json::parse(*answer)["payload"].get<std::string>());
  const std::string payload(raw.begin(), raw.end());
  CHECK(payload.find("details") != std::string::npos);
  CHECK(payload.find("UTO-POLICE") == std::string::npos);

  // One odd record of A's (a type with a digit, a date that is no date)
  // goes as what can be said of it, never as bytes that make B refuse the
  // whole feed.
  std::string odd;
  verify::exchange::AppendDetails(odd, {shared->details()[0].exact, "P1", RecordStatus::kLost,
                                        mrz::CivilDate{2026, 2, 30}, expiry});
  REQUIRE(odd.size() == verify::exchange::kDetailsBytes);
  const auto back =
      verify::exchange::ParseDetails(std::span<const std::uint8_t, verify::exchange::kDetailsBytes>(
          reinterpret_cast<const std::uint8_t*>(odd.data()), odd.size()));
  REQUIRE(back);
  CHECK(back->document_type == "P");
  CHECK_FALSE(back->date_reported);
  CHECK(back->expiry_date == expiry);
  odd[verify::exchange::kPublishedBytes] = '1';  // as no A writes it
  CHECK_FALSE(
      verify::exchange::ParseDetails(std::span<const std::uint8_t, verify::exchange::kDetailsBytes>(
          reinterpret_cast<const std::uint8_t*>(odd.data()), odd.size())));

  SECTION("A not sharing: no details in the feed, none with a hit") {
    auto plain = PublishedSet::BuildKeyed(**store, {"sltd"}, key, 1);
    REQUIRE(plain);
    auto a = MakeFeedAnswer(h, &*plain, *signer);
    REQUIRE(a);
    auto o = OpenFeedAnswer(*a, **trust, first);
    REQUIRE(o);
    CHECK_FALSE(o->set->shares_details());
    auto plain_hits = CheckDocumentKeyed(*o->set, key, "UTO", "P", "L898902C3");
    REQUIRE_FALSE(plain_hits.empty());
    CHECK(plain_hits[0].details.empty());
  }
  SECTION("details signed by A yet not of its entries: refused") {
    Refused(Resigned(*answer, *signer,
                     [](nlohmann::json& p) {
                       auto d = *sig::DecodeBase64(p["details"].get<std::string>());
                       d.resize(d.size() - verify::exchange::kDetailsBytes);  // one record short
                       p["details"] = sig::EncodeBase64(d);
                     }),
            **trust, first, "details for 2 records, 3 exact entries");
    Refused(Resigned(*answer, *signer,
                     [](nlohmann::json& p) {
                       auto d = *sig::DecodeBase64(p["details"].get<std::string>());
                       d[0] ^= 1;  // the first record's output: a record not listed
                       p["details"] = sig::EncodeBase64(d);
                     }),
            **trust, first, "details of a record it does not list");
    Refused(Resigned(*answer, *signer,
                     [](nlohmann::json& p) {
                       auto d = *sig::DecodeBase64(p["details"].get<std::string>());
                       d[verify::exchange::kPublishedBytes + 2] = 9;  // no such status
                       p["details"] = sig::EncodeBase64(d);
                     }),
            **trust, first, "details are not whole");
  }

  // At A: a record listed, one delisted, one's status changed.
  Put(**store, lists::ChangeOp::kUpsert, "P", "C01X00T47", RecordStatus::kStolenBlank, reported,
      std::nullopt);
  Put(**store, lists::ChangeOp::kDelete, "PD", "L898902C3", RecordStatus::kRevoked, std::nullopt,
      std::nullopt);
  Put(**store, lists::ChangeOp::kUpsert, "P", "S0002068", RecordStatus::kInvalidated, reported,
      expiry);
  const auto [keyed, now] = KeyedSince(**store, *cursor, key);
  REQUIRE(keyed.size() == 3);
  auto rebuilt = PublishedSet::BuildKeyed(**store, {"sltd"}, key, 1, false, true);
  REQUIRE(rebuilt);
  // What A's feed_details adds to each change (app::FeedPublisher): the
  // record as it is now; a delete names its type.
  std::vector<verify::exchange::KeyedChange> detailed = keyed;
  const RecordStatus status[] = {RecordStatus::kStolenBlank, RecordStatus::kRevoked,
                                 RecordStatus::kInvalidated};
  const char* types[] = {"P", "PD", "P"};
  for (std::size_t i = 0; i < 3; ++i) {
    detailed[i].details = SharedDetails{detailed[i].exact.output, types[i], status[i],
                                        i == 1 ? std::nullopt : std::optional(reported),
                                        i == 2 ? std::optional(expiry) : std::nullopt};
  }
  FeedHeader d{b_id, "sltd", 6, 3, "2026-12-07T11:00:00.000Z", false};
  d.delta = true;
  d.from = *cursor;
  d.changes = now;
  d.entries = static_cast<std::int64_t>(rebuilt->entries().size());
  const FeedExpectation next{b_id, "sltd", 3, opened->header, *cursor, &*opened->set};

  SECTION("a delta with details brings them to A's") {
    auto delta = MakeFeedDelta(d, detailed, *signer);
    REQUIRE(delta);
    auto o = OpenFeedAnswer(*delta, **trust, next);
    INFO((o ? "" : o.error().message));
    REQUIRE(o);
    REQUIRE(o->set);
    CHECK(o->set->entries() == rebuilt->entries());
    CHECK(o->set->shares_details());
    CHECK(o->set->details() == rebuilt->details());
    auto after = CheckDocumentKeyed(*o->set, key, "UTO", "P", "S0002068");
    REQUIRE_FALSE(after.empty());
    REQUIRE(after[0].details.size() == 1);
    CHECK(after[0].details[0].status == RecordStatus::kInvalidated);
    CHECK(CheckDocumentKeyed(*o->set, key, "UTO", "P", "L898902C3")[0].details.size() == 1);
    // Details of another record than the change's: refused.
    Refused(Resigned(*delta, *signer,
                     [](nlohmann::json& p) {
                       auto b = *sig::DecodeBase64(p["details"].get<std::string>());
                       b[0] ^= 1;
                       p["details"] = sig::EncodeBase64(b);
                     }),
            **trust, next, "details are of other records");
  }
  SECTION("a delta without details: the copy keeps its entries and shares none") {
    auto delta = MakeFeedDelta(d, keyed, *signer);
    REQUIRE(delta);
    auto o = OpenFeedAnswer(*delta, **trust, next);
    REQUIRE(o);
    REQUIRE(o->set);
    CHECK(o->set->entries() == rebuilt->entries());
    CHECK_FALSE(o->set->shares_details());
    CHECK(CheckDocumentKeyed(*o->set, key, "UTO", "P", "S0002068")[0].details.empty());
  }
}

}  // namespace
}  // namespace tdv::http
