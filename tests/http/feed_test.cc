// SPDX-License-Identifier: Apache-2.0
// Mode 2's signed feeds (tdv/http/feed.h): what agency B accepts from
// agency A and what it refuses, with the test PKI's feed signers.
#include "tdv/http/feed.h"

#include <filesystem>
#include <nlohmann/json.hpp>

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
                           const std::string& why) {
    auto r = OpenFeedAnswer(text, **trust, e);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kCorrupt);
    INFO(r.error().message);
    CHECK(r.error().message.find(why) != std::string::npos);
  };
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

}  // namespace
}  // namespace tdv::http
