// SPDX-License-Identifier: Apache-2.0
// List files: headers, row errors with line numbers, reject or skip, deltas,
// JSON Lines.
#include "tdv/lists/import_format.h"

#include <sstream>

#include "catch.h"
#include "store_fixture.h"

namespace tdv::lists {
namespace {

Result<ImportReport> ImportText(ListStore& s, const std::string& text, FileFormat f,
                                bool delta = false, bool skip = false,
                                const std::string& list = "l") {
  std::istringstream in(text);
  ImportFileOptions o;
  o.skip_bad_rows = skip;
  return ImportFile(s, {list, "SRC", "t", delta}, in, f, o);
}

TEST_CASE("bad rows reject the whole file, each reported with its line", "[lists][import]") {
  testing::StoreFixture fx("sqlite");
  ListStore& s = *fx.Open();
  const std::string file =
      "issuing_state,document_type,document_number,status\n"
      "FRA,P,AA1,stolen\n"
      "FRA,P,AA2,misplaced\n"
      "\n"
      "FRA,P,,lost\n"
      "fr4,P,AA4,lost\n"
      "FRA,P,AA5,lost,extra\n"
      "FRA,P,AA6,revoked,\"unclosed\n";
  auto r = ImportText(s, file, FileFormat::kCsv);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->committed);
  CHECK(r->error_count == 5);
  REQUIRE(r->errors.size() == 5);
  CHECK(r->errors[0].line == 3);
  CHECK(r->errors[0].message.find("misplaced") != std::string::npos);
  CHECK(r->errors[1].line == 5);
  CHECK(r->errors[2].line == 6);
  CHECK(r->errors[3].line == 7);
  CHECK(r->errors[4].line == 8);
  CHECK(s.Lists()->empty());  // nothing committed, not even the list
}

TEST_CASE("skip mode imports the good rows and reports the rest", "[lists][import]") {
  testing::StoreFixture fx("sqlite");
  ListStore& s = *fx.Open();
  auto r = ImportText(s,
                      "document_number,status,issuing_state,document_type\n"
                      "AA1,stolen,FRA,P\n"
                      "AA2,bogus,FRA,P\n"
                      "AA3,lost,FRA,ID\n",
                      FileFormat::kCsv, false, true);
  REQUIRE(r.has_value());
  CHECK(r->committed);
  CHECK(r->rows == 3);
  CHECK(r->skipped == 1);
  CHECK(r->summary.record_count == 2);
  REQUIRE(r->errors.size() == 1);
  CHECK(r->errors[0].line == 3);
}

TEST_CASE("headers: unknown, duplicate and missing columns are refused", "[lists][import]") {
  testing::StoreFixture fx("sqlite");
  ListStore& s = *fx.Open();
  auto r = ImportText(s, "issuing_state,document_type,document_nubmer,status\n", FileFormat::kCsv);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("document_nubmer") != std::string::npos);
  r = ImportText(s, "issuing_state,document_type,status\n", FileFormat::kCsv);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("document_number") != std::string::npos);
  r = ImportText(s, "issuing_state,issuing_state,document_type,document_number,status\n",
                 FileFormat::kCsv);
  REQUIRE_FALSE(r.has_value());
  r = ImportText(s, "", FileFormat::kCsv);
  REQUIRE_FALSE(r.has_value());
  CHECK(s.Lists()->empty());
}

TEST_CASE("delta files: op column, deletes, and op refused in full files", "[lists][import]") {
  testing::StoreFixture fx("sqlite");
  ListStore& s = *fx.Open();
  REQUIRE(
      ImportText(
          s,
          "issuing_state,document_type,document_number,status\nFRA,P,AA1,stolen\nFRA,P,AA2,lost\n",
          FileFormat::kCsv)
          ->committed);
  auto r = ImportText(s,
                      "op,issuing_state,document_type,document_number,status\n"
                      "delete,FRA,P,AA1,\n"
                      "upsert,FRA,P,AA3,stolen_blank\n"
                      ",FRA,P,AA2,revoked\n",
                      FileFormat::kCsv, true);
  REQUIRE(r.has_value());
  CHECK(r->committed);
  CHECK(r->summary.deleted == 1);
  CHECK(r->summary.record_count == 2);
  CHECK((*s.Get("l", "FRA", "P", "AA2"))->status == RecordStatus::kRevoked);
  CHECK((*s.Get("l", "FRA", "P", "AA3"))->status == RecordStatus::kStolenBlank);
  r = ImportText(s, "op,issuing_state,document_type,document_number,status\ndelete,FRA,P,AA2,\n",
                 FileFormat::kCsv);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->committed);
  CHECK(r->errors[0].message.find("delta") != std::string::npos);
}

TEST_CASE("JSON Lines import, with errors per line", "[lists][import]") {
  testing::StoreFixture fx("sqlite");
  ListStore& s = *fx.Open();
  auto r = ImportText(
      s,
      R"({"issuing_state":"NLD","document_type":"P","document_number":"NX1","status":"lost"})"
      "\n"
      R"({"issuing_state":"NLD","document_type":"P","document_number":"NX2","status":"lost","colour":"red"})"
      "\n"
      "not json\n"
      R"({"issuing_state":"NLD","document_type":"P","document_number":5,"status":"lost"})"
      "\n",
      FileFormat::kJsonLines);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->committed);
  REQUIRE(r->errors.size() == 3);
  CHECK(r->errors[0].line == 2);
  CHECK(r->errors[0].message.find("colour") != std::string::npos);
  CHECK(r->errors[1].line == 3);
  CHECK(r->errors[2].line == 4);
  r = ImportText(
      s,
      R"({"issuing_state":"NLD","document_type":"P","document_number":"NX1","status":"lost","reason":null})",
      FileFormat::kJsonLines);
  REQUIRE(r.has_value());
  CHECK(r->committed);
  std::ostringstream out;
  REQUIRE(ExportFile(s, "l", out, FileFormat::kJsonLines).has_value());
  CHECK(out.str() ==
        "{\"document_number\":\"NX1\",\"document_type\":\"P\",\"issuing_state\":\"NLD\",\"status\":"
        "\"lost\"}\n");
  CHECK(ExportFile(s, "nope", out, FileFormat::kCsv).error().code == ErrorCode::kNotFound);
}

TEST_CASE("formats by file name", "[lists][import]") {
  CHECK(*FormatForPath("a.CSV") == FileFormat::kCsv);
  CHECK(*FormatForPath("/x/y.jsonl") == FileFormat::kJsonLines);
  CHECK_FALSE(FormatForPath("list.xlsx").has_value());
}

}  // namespace
}  // namespace tdv::lists
