// SPDX-License-Identifier: Apache-2.0
// Lookups: exact and OCR-tolerant ("possible") matches, over a real SQLite
// store.
#include "tdv/lists/list_index.h"

#include <cstdio>

#include "catch.h"
#include "store_fixture.h"

namespace tdv::lists {
namespace {

ListRecord Rec(const std::string& state, const std::string& type, const std::string& number) {
  ListRecord r;
  r.issuing_state = state;
  r.document_type = type;
  r.document_number = number;
  r.status = RecordStatus::kStolen;
  return r;
}

struct Loaded {
  testing::StoreFixture fx{"sqlite"};
  ListStore* store = nullptr;
  ListIndex index;
  explicit Loaded(const std::vector<ListRecord>& recs, const std::string& list = "l") {
    store = fx.Open();
    auto session = store->BeginImport({list, "SRC", "t", false});
    REQUIRE(session.has_value());
    for (const auto& r : recs) REQUIRE((*session)->Add(ChangeOp::kUpsert, r).has_value());
    REQUIRE((*session)->Commit().has_value());
    REQUIRE(index.Load(*store).has_value());
  }
};

TEST_CASE("normalisation and confusion keys", "[lists]") {
  CHECK(NormalizeNumber("nx-1234 5a1<<") == "NX12345A1");
  CHECK(NormalizeNumber("AB/12.3") == "AB123");
  CHECK(NormalizeNumber("AB_12").empty());
  CHECK(NormalizeNumber("ÄB12").empty());
  CHECK(ConfusionKey("O1Z5G8") == ConfusionKey("0IZS6B"));
  CHECK(ConfusionKey("O1Z5G8") == "012568");
  CHECK(ConfusionKey("AX") == "AX");
  CHECK(TypeFamily("P<") == "P");
  CHECK(TypeFamily("id") == "I");
  CHECK(TypeFamily("<").empty());
  CHECK(ParseRecordStatus("Stolen Blank") == RecordStatus::kStolenBlank);
  CHECK(ParseRecordStatus("stolen-blank") == RecordStatus::kStolenBlank);
  CHECK_FALSE(ParseRecordStatus("missing").has_value());
}

TEST_CASE("exact lookups match state, type family and normalised number", "[lists]") {
  Loaded l(
      {Rec("D", "P", "C01X00T47"), Rec("NLD", "I", "IA9876543"), Rec("UTO", "P", "L898902C3")});
  auto hits = l.index.Lookup({"D<<", "P<", "C01X00T47"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].kind == ListHit::Kind::kExact);
  CHECK(hits[0].record.issuing_state == "D");
  CHECK(hits[0].record.document_type == "P");
  CHECK(hits[0].record.status == RecordStatus::kStolen);
  CHECK(l.index.Lookup({"D", "PD", "c01x00t47"}).size() == 1);  // same family, case-insensitive
  CHECK(l.index.Lookup({"NLD", "ID", "IA9876543"}).size() == 1);
  CHECK(l.index.Lookup({"NLD", "P", "IA9876543"}).empty());  // other family
  CHECK(l.index.Lookup({"BEL", "I", "IA9876543"}).empty());  // other state
  CHECK(l.index.Lookup({"UTO", "P", "L898902C"}).empty());   // prefix is not a match
  CHECK(l.index.Lookup({"", "P", "L898902C3"}).empty());
  CHECK(l.index.Lookup({"UTO", "P", ""}).empty());
}

TEST_CASE("a misread number is a possible match with the differing positions", "[lists]") {
  Loaded l({Rec("D", "P", "C01X00T47"), Rec("GBR", "P", "5B1234567")});
  // 0 read as O at positions 2 and 5; 1 as I at 3.
  auto hits = l.index.Lookup({"D", "P", "CO1XO0T47"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].kind == ListHit::Kind::kPossible);
  CHECK(hits[0].record.document_number == "C01X00T47");
  CHECK(hits[0].differing_positions == std::vector<int>{2, 5});
  hits = l.index.Lookup({"GBR", "P", "S81234567"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].kind == ListHit::Kind::kPossible);
  CHECK(hits[0].differing_positions == std::vector<int>{1, 2});
  // Not look-alikes: no match.
  CHECK(l.index.Lookup({"D", "P", "C01X00T48"}).empty());
}

TEST_CASE("exact and possible hits over several lists, exact first", "[lists]") {
  testing::StoreFixture fx("sqlite");
  ListStore* s = fx.Open();
  for (const auto& [list, number] : {std::pair{"a", "AB1000000"}, std::pair{"b", "AB10OOOOO"}}) {
    auto session = s->BeginImport({list, std::string("SRC-") + list, "t", false});
    REQUIRE(session.has_value());
    REQUIRE((*session)->Add(ChangeOp::kUpsert, Rec("FRA", "P", number)).has_value());
    REQUIRE((*session)->Commit().has_value());
  }
  ListIndex index;
  REQUIRE(index.Load(*s).has_value());
  auto hits = index.Lookup({"FRA", "P", "AB1000000"});
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].kind == ListHit::Kind::kExact);
  CHECK(hits[0].list == "a");
  CHECK(hits[1].kind == ListHit::Kind::kPossible);
  CHECK(hits[1].list == "b");
  CHECK(index.Lists().size() == 2);
}

TEST_CASE("equal-weight look-alikes that no check digit sees are possible matches",
          "[lists][issue10]") {
  // S (value 28) and 8 weigh the same in every check digit: a Swiss ID
  // whose S was read as 8 passes its check digits, so only the list can
  // catch the misread.
  Loaded l({Rec("CHE", "I", "S0002068"), Rec("UTO", "P", "U1234567"), Rec("UTO", "P", "Q6000000")});
  auto hits = l.index.Lookup({"CHE", "ID", "80002068"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].kind == ListHit::Kind::kPossible);
  CHECK(hits[0].record.document_number == "S0002068");
  CHECK(hits[0].differing_positions == std::vector<int>{1});
  // Both ways, and for the other measured pairs (U/0, Q/6).
  Loaded back({Rec("CHE", "I", "80002068")});
  CHECK(back.index.Lookup({"CHE", "ID", "S0002068"}).size() == 1);
  CHECK(l.index.Lookup({"UTO", "P", "01234567"}).size() == 1);
  CHECK(l.index.Lookup({"UTO", "P", "66000000"}).size() == 1);
  // 5 and 8 do not look alike: no match, although S/5 and S/8 each do.
  CHECK(l.index.Lookup({"CHE", "ID", "50002068"}).size() == 1);  // S/5: the older look-alike group
  Loaded five({Rec("CHE", "I", "50002068")});
  CHECK(five.index.Lookup({"CHE", "ID", "80002068"}).empty());
}

TEST_CASE("one probe per look-alike lookup: the class key, then LooksAlike", "[lists][issue26]") {
  // One key for every number that may look like another: the classes taken
  // transitively (5 S 8 B are one), so that 5 and 8 share it although they
  // do not look alike; the candidates are then confirmed position by position.
  CHECK(LookAlikeClassKey("S0002068") == LookAlikeClassKey("80002068"));
  CHECK(LookAlikeClassKey("50002068") == LookAlikeClassKey("80002068"));
  CHECK(LookAlikeClassKey("UQG6D0O") == "0000000");
  CHECK(LookAlikeClassKey("FPHRX") == "FFHHX");
  CHECK(LookAlikeClassKey("X1234567") != LookAlikeClassKey("X1234568"));
  // Two equal-weight misreads in one number (S as 8 and U as 0): found, as
  // LooksAlike says, where one probe per single substitution missed it.
  Loaded l({Rec("CHE", "I", "S0U02068"), Rec("CHE", "I", "50002068")});
  auto hits = l.index.Lookup({"CHE", "ID", "80002068"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].record.document_number == "S0U02068");
  CHECK(hits[0].differing_positions == std::vector<int>{1, 3});
  // With a third, older look-alike (O as 0): still the one record; 50002068
  // shares the class key but is refused position by position (5 is not 8).
  hits = l.index.Lookup({"CHE", "ID", "80002O68"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].record.document_number == "S0U02068");
}

TEST_CASE("a delta's records are found by the same two hashes, not by reading them all",
          "[lists][issue26]") {
  // The overlay of changes since the build is looked up as the segment is:
  // by the number's hash and its look-alike class key (read whole, 100,000
  // changes cost every lookup a millisecond).
  Loaded l({Rec("CHE", "I", "50002068"), Rec("CHE", "I", "A1111111"), Rec("FRA", "P", "X1234567")});
  auto session = l.store->BeginImport({"l", "SRC", "t", true});
  REQUIRE(session.has_value());
  for (int i = 0; i < 3000; ++i) {  // many changes, fewer than fold the overlay
    char number[16];
    std::snprintf(number, sizeof number, "D%07d", i);
    REQUIRE((*session)->Add(ChangeOp::kUpsert, Rec("NOR", "P", number)).has_value());
  }
  REQUIRE((*session)->Add(ChangeOp::kUpsert, Rec("CHE", "I", "S0U02068")).has_value());
  ListRecord lost = Rec("FRA", "P", "X1234567");
  lost.status = RecordStatus::kLost;
  REQUIRE((*session)->Add(ChangeOp::kUpsert, lost).has_value());
  REQUIRE((*session)->Add(ChangeOp::kDelete, Rec("CHE", "I", "A1111111")).has_value());
  REQUIRE((*session)->Commit().has_value());
  REQUIRE(l.index.Refresh(*l.store).has_value());
  CHECK(l.index.record_count() == 3000 + 3);

  auto hits = l.index.Lookup({"NOR", "P", "D0001234"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].kind == ListHit::Kind::kExact);
  // D and 0 look alike: D0001234 read as 00001234 is a possible match.
  hits = l.index.Lookup({"NOR", "P", "00001234"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].kind == ListHit::Kind::kPossible);
  CHECK(hits[0].record.document_number == "D0001234");
  CHECK(hits[0].differing_positions == std::vector<int>{1});
  // S0U02068 from the delta for 80002068; the base's 50002068 still not (5 is not 8).
  hits = l.index.Lookup({"CHE", "ID", "80002068"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].record.document_number == "S0U02068");
  CHECK(hits[0].kind == ListHit::Kind::kPossible);
  // Changed and deleted base records: the delta's word.
  hits = l.index.Lookup({"FRA", "P", "X1234567"});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].record.status == RecordStatus::kLost);
  CHECK(l.index.Lookup({"CHE", "I", "A1111111"}).empty());
  CHECK(l.index.Lookup({"NOR", "P", "D9999999"}).empty());
  CHECK(l.index.Lookup({"NOR", "I", "D0001234"}).empty());  // another type family
}

TEST_CASE("look-alike keys: the number's own first, one per equal-weight substitution",
          "[lists][issue10]") {
  const auto keys = LookAlikeKeys("80S");
  REQUIRE(keys.size() == 4);
  CHECK(keys[0] == ConfusionKey("80S"));
  CHECK(keys[1] == ConfusionKey("S0S"));
  CHECK(keys[2] == ConfusionKey("8US"));
  CHECK(keys[3] == ConfusionKey("808"));
  CHECK(LooksAlike("S0002068", "80002068"));
  CHECK(LooksAlike("S0002068", "50002068"));
  CHECK_FALSE(LooksAlike("50002068", "80002068"));
  CHECK_FALSE(LooksAlike("5000206", "80002068"));
}

TEST_CASE("memory per record stays small", "[lists]") {
  std::vector<ListRecord> recs;
  for (int i = 0; i < 20000; ++i)
    recs.push_back(Rec("FRA", "P", "XA" + std::to_string(1000000 + i)));
  Loaded l(recs);
  CHECK(l.index.record_count() == 20000);
  const double per_record = double(l.index.MemoryBytes()) / 20000.0;
  INFO("bytes per record: " << per_record);
  CHECK(per_record <= 48.0);
}

}  // namespace
}  // namespace tdv::lists
