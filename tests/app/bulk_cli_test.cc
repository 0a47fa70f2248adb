// SPDX-License-Identifier: Apache-2.0
// `tdv bulk`, run as a real process on real files: input order, list hits,
// bad rows with their line numbers, images, CSV and JSON Lines both ways,
// resuming a cut run, usage errors.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "catch.h"
#include "process.h"
#include "specimens.h"

namespace tdv::app {
namespace {

using nlohmann::json;
using tdv::testing::ProcessResult;
using tdv::testing::TempDir;

struct Bulk {
  TempDir data;
  ProcessResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), {TDV_BINARY});
    args.insert(args.end(), {"--data", data.path().string()});
    return tdv::testing::Run(args, "");
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const auto p = data.path() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string Path(const std::string& name) const { return (data.path() / name).string(); }
};

std::vector<json> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

// The answers without the summary's timing and resumed count.
std::string Stable(const std::string& path) {
  std::string out;
  for (json j : Lines(path)) {
    if (j.contains("summary")) {
      j["summary"].erase("seconds");
      j["summary"].erase("resumed");
    }
    out += j.dump() + "\n";
  }
  return out;
}

std::string Quoted(const std::string& mrz) { return "\"" + mrz + "\""; }

const char* kList =
    "issuing_state,document_type,document_number,status,reporting_agency\n"
    "UTO,I,D23145890,stolen,UTO-POLICE\n";

// Six rows: clear, listed, invalid check digit, a row with too many fields,
// a row without an MRZ, the first id again.
std::string Applications() {
  std::string td3bad = testing::kTd3Specimen;
  td3bad.back() = td3bad.back() == '0' ? '1' : '0';
  return std::string("id,mrz,passport_number\n") + "A1," + Quoted(testing::kTd3Specimen) + ",\n" +
         "A2," + Quoted(testing::kTd1Specimen) + ",\n" + "A3," + Quoted(td3bad) + ",\n" +
         "A4,x,1,2\n" + "A5,,L898902C3\n" + "A1," + Quoted(testing::kTd3Specimen) + ",\n";
}

TEST_CASE("tdv bulk: CSV in, JSON Lines out, in input order, with hits and bad rows",
          "[cli][bulk]") {
  Bulk tdv;
  REQUIRE(tdv({"lists", "import", "--list", "uto-sltd", "--source", "UTO-POLICE",
               tdv.Write("l.csv", kList)})
              .exit_code == 0);
  const std::string in = tdv.Write("apps.csv", Applications());
  const std::string out = tdv.Path("out.jsonl");
  ProcessResult r =
      tdv({"bulk", in, "--out", out, "--allow-specimens", "--as-of", "2011-06-01", "--jobs", "2"});
  INFO(r.err);
  CHECK(r.exit_code == 1);  // not every row clear
  const auto lines = Lines(out);
  REQUIRE(lines.size() == 7);
  CHECK(lines[0]["id"] == "A1");
  CHECK(lines[0]["line"] == 2);
  CHECK(lines[0]["report"]["verdict"] == "clear");
  CHECK(lines[1]["id"] == "A2");
  CHECK(lines[1]["line"] == 4);  // the quoted MRZ spans lines 2-3
  CHECK(lines[1]["report"]["verdict"] == "reject");
  CHECK(lines[1]["report"]["lists"]["hits"][0]["record"]["document_number"] == "D23145890");
  CHECK(lines[2]["report"]["verdict"] == "reject");
  CHECK(lines[2]["report"]["mrz"]["valid"] == false);
  CHECK(lines[3]["id"] == "A4");
  CHECK(lines[3]["error"]["type"] == "urn:tdv:problem:invalid-row");
  CHECK(lines[3]["error"]["detail"].get<std::string>().find("4 fields") != std::string::npos);
  CHECK(lines[4]["error"]["detail"] == "the row has no mrz, image or seal");
  CHECK(lines[4]["line"] == 10);
  CHECK(lines[5]["line"] == 11);
  CHECK(lines[5]["error"]["detail"].get<std::string>().find("appears earlier") !=
        std::string::npos);
  const json& s = lines[6]["summary"];
  CHECK(s["rows"] == 6);
  CHECK(s["clear"] == 1);
  CHECK(s["reject"] == 2);
  CHECK(s["list_hits"] == 1);
  CHECK(s["bad_rows"] == 3);
  CHECK(s["complete"] == true);
  CHECK(r.err.find("6 rows: 1 clear") != std::string::npos);
  // Every check is in the audit trail (the three reports, not the bad rows).
  r = tdv({"audit", "show", "--json"});
  REQUIRE(r.exit_code == 0);
  const json trail = json::parse(r.out);
  int verifications = 0;
  for (const auto& e : trail["entries"]) verifications += !e["verdict"].is_null();
  CHECK(verifications == 3);
}

TEST_CASE("tdv bulk: JSON Lines in (images, MRZ lines), CSV out", "[cli][bulk][vision]") {
  Bulk tdv;
  const std::string images = std::string(TDV_SOURCE_DIR) + "/samples/images/";
  const json expected =
      json::parse(tdv::testing::ReadFile(images + "td1-clean-000.expected.json"))["mrz"];
  std::string in = json{{"id", 1}, {"image", images + "td1-clean-000.jpg"}}.dump() + "\n" +
                   json{{"id", 2},
                        {"mrz",
                         {"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                          "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"}}}
                       .dump() +
                   "\n\n" + json{{"id", 3}, {"image", "missing.jpg"}}.dump() + "\n" +
                   json{{"id", 4}, {"image", images + "nomrz-000.jpg"}}.dump() + "\n" +
                   "{not json\n" + json{{"id", 6}, {"mrz", "x"}, {"colour", "red"}}.dump() + "\n";
  const std::string file = tdv.Write("apps.jsonl", in);
  const std::string out = tdv.Path("out.csv");
  ProcessResult r = tdv({"bulk", file, "--out", out, "--allow-specimens", "--as-of", "2011-06-01"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  std::istringstream csv(tdv::testing::ReadFile(out));
  std::vector<std::string> rows;
  for (std::string line; std::getline(csv, line);) rows.push_back(line);
  REQUIRE(rows.size() == 7);
  CHECK(rows[0].rfind("id,line,verdict,reasons,format,", 0) == 0);
  // The image read: its document number in the row.
  const std::string number = expected[0].get<std::string>().substr(5, 9);
  CHECK(rows[1].rfind("1,1,", 0) == 0);
  CHECK(rows[1].find(",TD1,") != std::string::npos);
  CHECK(rows[1].find(number.substr(0, number.find('<'))) != std::string::npos);
  CHECK(rows[2].rfind("2,2,clear,,TD1,I,UTO,D23145890,UTO,1974-08-12,2012-04-15,,", 0) == 0);
  CHECK(rows[3].rfind("3,4,", 0) == 0);  // the blank line counts
  CHECK(rows[3].find("invalid-row: cannot read image") != std::string::npos);
  CHECK(rows[4].find("no-mrz-found") != std::string::npos);
  CHECK(rows[5].rfind(",6,", 0) == 0);
  CHECK(rows[5].find("not a JSON object") != std::string::npos);
  CHECK(rows[6].find("unknown member \"\"colour\"\"") != std::string::npos);
  CHECK(r.err.find("1 unreadable, 3 bad rows") != std::string::npos);
}

TEST_CASE("tdv bulk: a cut run resumes where it stopped", "[cli][bulk]") {
  Bulk tdv;
  const std::string in = tdv.Write("apps.csv", Applications());
  const std::string full = tdv.Path("full.jsonl");
  REQUIRE(
      tdv({"bulk", in, "--out", full, "--allow-specimens", "--as-of", "2011-06-01"}).exit_code ==
      1);
  const std::string whole = tdv::testing::ReadFile(full);
  // Cut inside the third answer: two answers and half a line remain.
  std::size_t cut = 0;
  for (int i = 0; i < 2; ++i) cut = whole.find('\n', cut) + 1;
  const std::string part = tdv.Write("part.jsonl", whole.substr(0, cut + 40));
  ProcessResult r = tdv({"bulk", in, "--out", part, "--allow-specimens", "--as-of", "2011-06-01"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("resuming: 2 rows") != std::string::npos);
  CHECK(r.err.find("checked 4") != std::string::npos);
  CHECK(Stable(part) == Stable(full));
  // Once more: nothing left to check, the same file (one summary).
  r = tdv({"bulk", in, "--out", part, "--allow-specimens", "--as-of", "2011-06-01"});
  CHECK(r.err.find("checked 0") != std::string::npos);
  CHECK(Stable(part) == Stable(full));
  // The same with CSV.
  const std::string full_csv = tdv.Path("full.csv");
  REQUIRE(tdv({"bulk", in, "--out", full_csv, "--allow-specimens", "--as-of", "2011-06-01"})
              .exit_code == 1);
  const std::string csv = tdv::testing::ReadFile(full_csv);
  cut = 0;
  for (int i = 0; i < 4; ++i) cut = csv.find('\n', cut) + 1;
  const std::string part_csv = tdv.Write("part.csv", csv.substr(0, cut + 5));
  r = tdv({"bulk", in, "--out", part_csv, "--allow-specimens", "--as-of", "2011-06-01"});
  CHECK(r.err.find("resuming: 3 rows") != std::string::npos);
  CHECK(tdv::testing::ReadFile(part_csv) == csv);
  // An OUT that is not this command's answers is left alone.
  const std::string other = tdv.Write("other.jsonl", "{\"hello\":1}\n");
  r = tdv({"bulk", in, "--out", other});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("not an answer of `tdv bulk`") != std::string::npos);
  CHECK(tdv::testing::ReadFile(other) == "{\"hello\":1}\n");
  // Nor one whose answers only look like them (found by fuzz_bulk_rows: a
  // verdict or a problem type of another JSON type ended the process).
  for (const std::string& odd : {std::string("{\"line\":2,\"report\":{\"verdict\":5}}\n"),
                                 std::string("{\"line\":2,\"error\":{\"type\":[]}}\n")}) {
    const std::string forged = tdv.Write("forged.jsonl", odd);
    r = tdv({"bulk", in, "--out", forged});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("not an answer of `tdv bulk`") != std::string::npos);
    CHECK(tdv::testing::ReadFile(forged) == odd);
  }
}

TEST_CASE("tdv bulk: usage errors exit 2 and write nothing", "[cli][bulk]") {
  Bulk tdv;
  ProcessResult r = tdv({"bulk", tdv.Path("missing.csv")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("cannot read") != std::string::npos);
  const std::string bad = tdv.Write("bad.csv", "id,mrz,colour\n1,x,red\n");
  r = tdv({"bulk", bad, "--out", tdv.Path("o.jsonl")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown column 'colour'") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tdv.Path("o.jsonl")));
  const std::string txt = tdv.Write("apps.txt", "id,mrz\n");
  r = tdv({"bulk", txt});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--input-format") != std::string::npos);
  r = tdv({"bulk", bad, "--out", bad});
  CHECK(r.exit_code == 2);
  r = tdv({"bulk", bad, "--as-of", "yesterday"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--as-of") != std::string::npos);
}

}  // namespace
}  // namespace tdv::app
