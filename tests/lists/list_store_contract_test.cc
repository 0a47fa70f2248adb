// SPDX-License-Identifier: Apache-2.0
// One contract, every ListStore: the same test bodies run on a real SQLite
// file and on a real PostgreSQL server.
#include <sstream>

#include "catch.h"
#include "store_fixture.h"
#include "tdv/lists/import_format.h"
#include "tdv/lists/list_index.h"

namespace tdv::lists {
namespace {

using testing::StoreFixture;

ListRecord Rec(const std::string& state, const std::string& type, const std::string& number,
               RecordStatus status = RecordStatus::kStolen) {
  ListRecord r;
  r.issuing_state = state;
  r.document_type = type;
  r.document_number = number;
  r.status = status;
  return r;
}

ImportOptions Opts(const std::string& list, const std::string& source, bool delta = false) {
  return ImportOptions{list, source, "tester", delta};
}

Result<ImportSummary> Import(ListStore& s, const ImportOptions& o,
                             const std::vector<std::pair<ChangeOp, ListRecord>>& rows) {
  auto session = s.BeginImport(o);
  if (!session) return session.error();
  for (const auto& [op, r] : rows) {
    if (Status st = (*session)->Add(op, r); !st) return st.error();
  }
  return (*session)->Commit();
}

std::vector<std::pair<ChangeOp, ListRecord>> Upserts(const std::vector<ListRecord>& recs) {
  std::vector<std::pair<ChangeOp, ListRecord>> out;
  for (const auto& r : recs) out.emplace_back(ChangeOp::kUpsert, r);
  return out;
}

std::int64_t Count(ListStore& s, const std::string& list) {
  std::int64_t n = 0;
  REQUIRE(s.Scan(list, [&](const std::string&, const ListRecord&) { ++n; }).has_value());
  return n;
}

void Contract(const std::string& kind) {
  StoreFixture fx(kind);
  ListStore& s = *fx.Open();

  SECTION("a first import creates the list; a full import replaces it") {
    auto r = Import(
        s, Opts("nl-sltd", "NLD-KMAR"),
        Upserts({Rec("NLD", "P", "NX12345A1"), Rec("NLD", "I", "IA9876543", RecordStatus::kLost)}));
    REQUIRE(r.has_value());
    CHECK(r->version == 1);
    CHECK(r->record_count == 2);
    auto lists = s.Lists();
    REQUIRE(lists.has_value());
    REQUIRE(lists->size() == 1);
    CHECK((*lists)[0].name == "nl-sltd");
    CHECK((*lists)[0].source == "NLD-KMAR");
    CHECK((*lists)[0].version == 1);
    CHECK((*lists)[0].record_count == 2);
    CHECK_FALSE((*lists)[0].updated_at.empty());

    r = Import(s, Opts("nl-sltd", "NLD-KMAR"), Upserts({Rec("NLD", "P", "NZZ000001")}));
    REQUIRE(r.has_value());
    CHECK(r->version == 2);
    CHECK(Count(s, "nl-sltd") == 1);
    auto got = s.Get("nl-sltd", "NLD", "P", "NX12345A1");
    REQUIRE(got.has_value());
    CHECK_FALSE(got->has_value());
    got = s.Get("nl-sltd", "NLD", "P", "NZZ000001");
    REQUIRE(got.has_value());
    REQUIRE(got->has_value());
    CHECK((*got)->status == RecordStatus::kStolen);
  }

  SECTION("details round-trip") {
    ListRecord rec = Rec("D", "ID", "L01X00T47", RecordStatus::kRevoked);
    rec.reporting_agency = "BKA";
    rec.date_reported = mrz::CivilDate{2026, 3, 1};
    rec.expiry_date = mrz::CivilDate{2031, 2, 28};
    rec.review_date = mrz::CivilDate{2036, 3, 1};
    rec.national_reference = "REF-1, \"quoted\"";
    rec.reason = "revoked by issuer";
    REQUIRE(Import(s, Opts("de", "DEU-BKA"), Upserts({rec})).has_value());
    auto got = s.Get("de", "D", "ID", "L01X00T47");
    REQUIRE(got.has_value());
    REQUIRE(got->has_value());
    const ListRecord& g = **got;
    CHECK(g.status == RecordStatus::kRevoked);
    CHECK(g.reporting_agency == "BKA");
    CHECK(g.date_reported == rec.date_reported);
    CHECK(g.expiry_date == rec.expiry_date);
    CHECK(g.review_date == rec.review_date);
    CHECK(g.national_reference == rec.national_reference);
    CHECK(g.reason == rec.reason);
  }

  SECTION("deltas add, update and delete in one transaction") {
    REQUIRE(Import(s, Opts("fr", "FRA-DCPJ"),
                   Upserts({Rec("FRA", "P", "18AB12345"), Rec("FRA", "P", "18AB12346")}))
                .has_value());
    auto r = Import(s, Opts("fr", "FRA-DCPJ", true),
                    {{ChangeOp::kUpsert, Rec("FRA", "P", "18AB12345", RecordStatus::kRevoked)},
                     {ChangeOp::kDelete, Rec("FRA", "P", "18AB12346")},
                     {ChangeOp::kUpsert, Rec("FRA", "I", "X4RTBPFW4")}});
    REQUIRE(r.has_value());
    CHECK(r->version == 2);
    CHECK(r->record_count == 2);
    CHECK(r->deleted == 1);
    CHECK(Count(s, "fr") == 2);
    CHECK((*s.Get("fr", "FRA", "P", "18AB12345"))->status == RecordStatus::kRevoked);
    CHECK_FALSE(s.Get("fr", "FRA", "P", "18AB12346")->has_value());
  }

  SECTION("a session dropped before Commit changes nothing") {
    REQUIRE(Import(s, Opts("gb", "GBR-HMPO"), Upserts({Rec("GBR", "P", "123456789")})).has_value());
    {
      auto session = s.BeginImport(Opts("gb", "GBR-HMPO"));
      REQUIRE(session.has_value());
      REQUIRE((*session)->Add(ChangeOp::kUpsert, Rec("GBR", "P", "999999999")).has_value());
    }
    {
      auto session = s.BeginImport(Opts("gb", "GBR-HMPO", true));
      REQUIRE(session.has_value());
      REQUIRE((*session)->Add(ChangeOp::kDelete, Rec("GBR", "P", "123456789")).has_value());
    }
    CHECK(Count(s, "gb") == 1);
    CHECK(s.Get("gb", "GBR", "P", "123456789")->has_value());
    CHECK((*s.Lists())[0].version == 1);
  }

  SECTION("only the owning source may change a list") {
    REQUIRE(Import(s, Opts("it", "ITA-POL"), Upserts({Rec("ITA", "P", "YA1234567")})).has_value());
    auto other = s.BeginImport(Opts("it", "FRA-DCPJ", true));
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().code == ErrorCode::kPermissionDenied);
    const Status drop = s.DropList("it", "FRA-DCPJ", "tester");
    REQUIRE_FALSE(drop.has_value());
    CHECK(drop.error().code == ErrorCode::kPermissionDenied);
    CHECK(s.DropList("it", "ITA-POL", "tester").has_value());
    CHECK(s.Lists()->empty());
    CHECK(s.DropList("it", "ITA-POL", "tester").error().code == ErrorCode::kNotFound);
  }

  SECTION("a duplicate key in a full import rejects it, naming the document") {
    REQUIRE(Import(s, Opts("es", "ESP-PN"), Upserts({Rec("ESP", "P", "AAA000001")})).has_value());
    auto r = Import(s, Opts("es", "ESP-PN"),
                    Upserts({Rec("ESP", "P", "PAA000001"), Rec("ESP", "P", "PAA000001")}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    CHECK(r.error().message.find("PAA000001") != std::string::npos);
    CHECK(s.Get("es", "ESP", "P", "AAA000001")->has_value());  // previous version intact
  }

  SECTION("bad keys are refused per record") {
    auto session = s.BeginImport(Opts("x", "SRC"));
    REQUIRE(session.has_value());
    CHECK((*session)->Add(ChangeOp::kUpsert, Rec("fr", "P", "123")).error().code ==
          ErrorCode::kInvalidInput);
    CHECK((*session)->Add(ChangeOp::kUpsert, Rec("FRA", "P", "12-3")).error().code ==
          ErrorCode::kInvalidInput);
    CHECK((*session)->Add(ChangeOp::kUpsert, Rec("FRA", "", "123")).error().code ==
          ErrorCode::kInvalidInput);
  }

  SECTION("every change is in the audit trail and the change feed") {
    REQUIRE(Import(s, Opts("be", "BEL-FP"), Upserts({Rec("BEL", "P", "EH123456")})).has_value());
    REQUIRE(
        Import(s, Opts("be", "BEL-FP", true), {{ChangeOp::kUpsert, Rec("BEL", "P", "EH654321")}})
            .has_value());
    auto audit = s.Audit("be", 10);
    REQUIRE(audit.has_value());
    REQUIRE(audit->size() == 3);  // create, replace, upsert (newest first)
    CHECK((*audit)[0].action == "upsert");
    CHECK((*audit)[0].detail.find("EH654321") != std::string::npos);
    CHECK((*audit)[1].action == "replace");
    CHECK((*audit)[2].action == "create");
    CHECK((*audit)[0].actor == "tester");
    CHECK((*audit)[0].source == "BEL-FP");
    auto seq = s.ChangeSequence();
    REQUIRE(seq.has_value());
    auto events = s.ChangesSince(0, 100);
    REQUIRE(events.has_value());
    REQUIRE(events->size() == 3);
    CHECK(events->back().seq == *seq);
    CHECK(events->back().kind == "upsert");
    REQUIRE(events->back().record.has_value());
    CHECK(events->back().record->document_number == "EH654321");
    CHECK(s.ChangesSince(*seq, 100)->empty());
  }

  SECTION("the index follows the store, from another connection too") {
    REQUIRE(Import(s, Opts("ch", "CHE-FEDPOL"),
                   Upserts({Rec("CHE", "P", "X0O123456"), Rec("CHE", "I", "C1234567")}))
                .has_value());
    ListIndex index;
    REQUIRE(index.Load(s).has_value());
    CHECK(index.record_count() == 2);
    auto hits = index.Lookup({"CHE", "P<", "X0O123456"});
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].kind == ListHit::Kind::kExact);
    CHECK(hits[0].list == "ch");
    // A second instance changes the store; Refresh picks it up.
    auto other = fx.OpenAgain();
    REQUIRE(Import(*other, Opts("ch", "CHE-FEDPOL", true),
                   {{ChangeOp::kDelete, Rec("CHE", "P", "X0O123456")},
                    {ChangeOp::kUpsert, Rec("CHE", "P", "Y1")}})
                .has_value());
    CHECK(index.Lookup({"CHE", "P", "X0O123456"}).size() == 1);  // not refreshed yet
    REQUIRE(index.Refresh(s).has_value());
    CHECK(index.Lookup({"CHE", "P", "X0O123456"}).empty());
    CHECK(index.Lookup({"CHE", "P", "Y1"}).size() == 1);
    CHECK(index.record_count() == 2);
    // A full replacement from the other instance.
    REQUIRE(Import(*other, Opts("ch", "CHE-FEDPOL"), Upserts({Rec("CHE", "P", "Z9")})).has_value());
    REQUIRE(index.Refresh(s).has_value());
    CHECK(index.Lookup({"CHE", "P", "Y1"}).empty());
    CHECK(index.Lookup({"CHE", "P", "Z9"}).size() == 1);
    REQUIRE(index.Lists().size() == 1);
    CHECK(index.Lists()[0].info.version == 3);
    CHECK(index.Lists()[0].indexed == 1);
  }

  SECTION("CSV import and export round-trip") {
    std::istringstream csv(
        "issuing_state,document_type,document_number,status,reporting_agency,date_reported,"
        "reason\r\n"
        "NLD,P,NX-1234 5A1,stolen,KMAR,2026-01-02,\"burglary, home\"\r\n"
        "D<<,ID,l01x00t47,Lost,,,\r\n");
    auto r = ImportFile(s, Opts("mix", "SRC"), csv, FileFormat::kCsv);
    REQUIRE(r.has_value());
    CHECK(r->committed);
    CHECK(r->rows == 2);
    CHECK(r->summary.record_count == 2);
    auto got = s.Get("mix", "NLD", "P", "NX12345A1");
    REQUIRE(got->has_value());
    CHECK((*got)->reason == "burglary, home");
    CHECK(s.Get("mix", "D", "ID", "L01X00T47")->has_value());
    std::ostringstream out;
    auto n = ExportFile(s, "mix", out, FileFormat::kCsv);
    REQUIRE(n.has_value());
    CHECK(*n == 2);
    // The export imports again into an identical list.
    std::istringstream again(out.str());
    r = ImportFile(s, Opts("mix2", "SRC"), again, FileFormat::kCsv);
    REQUIRE(r.has_value());
    CHECK(r->committed);
    CHECK((*s.Get("mix2", "NLD", "P", "NX12345A1"))->reason == "burglary, home");
  }
}

TEST_CASE("ListStore contract: SQLite", "[lists][sqlite]") { Contract("sqlite"); }
TEST_CASE("ListStore contract: PostgreSQL", "[lists][postgres]") { Contract("postgres"); }

}  // namespace
}  // namespace tdv::lists
