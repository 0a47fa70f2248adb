// SPDX-License-Identifier: Apache-2.0
#include "tdv/mrz/repair.h"

#include <algorithm>

#include "catch.h"
#include "tdv/mrz/check_digit.h"
#include "test_util.h"

namespace tdv::mrz {
namespace {

const std::vector<std::string> kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};

// OCR output with `best` as the first choice everywhere and extra candidates at
// chosen positions.
std::vector<LineCandidates> Candidates(const std::vector<std::string>& best) {
  std::vector<LineCandidates> out;
  for (const auto& line : best) {
    LineCandidates lc;
    for (char c : line) lc.push_back({{c, 0.9f}});
    out.push_back(std::move(lc));
  }
  return out;
}

// As a reader from images repairs: one change per check digit, from OCR's
// own alternatives.
RepairOptions ImageLike() {
  RepairOptions o;
  o.max_substitutions_per_check = 1;
  o.search_look_alikes = false;
  return o;
}

bool Valid(const RepairResult& r) { return ParseMrzLines(r.lines, testing::Options())->valid(); }

TEST_CASE("a clean MRZ is left alone", "[mrz][repair]") {
  const RepairResult r = RepairMrzText(kTd3).value();
  CHECK(r.lines == kTd3);
  CHECK(r.repairs.empty());
  CHECK(r.checks_satisfied);
  CHECK_FALSE(r.ambiguous);
}

TEST_CASE("field type fixes letters in dates and digits in codes", "[mrz][repair]") {
  std::vector<std::string> ocr = kTd3;
  ocr[1] = "L898902C36UT07408I22F12O4159ZE184226B<<<<<1O";
  // UT0 (zero in a code), I in a date, O in a date, O in a check digit.
  const RepairResult r = RepairMrzText(ocr).value();
  CHECK(r.lines == kTd3);
  CHECK(r.checks_satisfied);
  CHECK(r.repairs.size() == 4);
  for (const auto& rep : r.repairs) CHECK(rep.reason == "field_type");
  CHECK(Valid(r));
}

TEST_CASE("check digits choose between OCR alternatives", "[mrz][repair]") {
  auto cands = Candidates(kTd3);
  // The document number's '8' at position 4 was read as 'B' with more
  // confidence; the document number is alphanumeric, so only the check digit
  // can tell.
  cands[1][3] = {{'B', 0.6f}, {'8', 0.4f}};
  const RepairResult r = RepairMrz(cands).value();
  CHECK(r.lines == kTd3);
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].line == 2);
  CHECK(r.repairs[0].position == 4);
  CHECK(r.repairs[0].from == 'B');
  CHECK(r.repairs[0].to == '8');
  CHECK(r.repairs[0].field == "document_number");
  CHECK(r.repairs[0].reason == "check_digit");
  CHECK(r.checks_satisfied);
}

TEST_CASE("the confusion table supplies alternatives OCR did not give", "[mrz][repair]") {
  std::vector<std::string> ocr = kTd3;
  ocr[1][16] = '3';  // birth date 740812 read as 740312; OCR offered no '8'
  RepairResult r = RepairMrzText(ocr).value();
  CHECK(r.lines == kTd3);
  CHECK(r.checks_satisfied);
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].field == "birth_date");
  CHECK(r.repairs[0].reason == "check_digit");

  // L89B902C3: 'B' for '8' (weight 7) and 'L' for 'I' at the first
  // position (weight 7) restore the same check digit, and the TD3 composite
  // weighs the document number exactly as its own check does, so nothing
  // can tell them apart. The reading is reported, not guessed.
  ocr = kTd3;
  ocr[1][3] = 'B';
  r = RepairMrzText(ocr).value();
  CHECK(r.ambiguous);
  CHECK_FALSE(r.checks_satisfied);
  CHECK(r.lines == ocr);
}

TEST_CASE("names are never repaired into digits", "[mrz][repair]") {
  auto cands = Candidates(kTd3);
  // OCR prefers '1' in the name; the name zone takes letters only.
  cands[0][6] = {{'1', 0.8f}, {'R', 0.2f}};
  cands[0][16] = {{'N', 0.5f}, {'4', 0.5f}};
  const RepairResult r = RepairMrz(cands).value();
  CHECK(r.lines[0] == kTd3[0]);
  for (char c : r.lines[0].substr(5)) CHECK_FALSE((c >= '0' && c <= '9'));
}

TEST_CASE("equally good readings are not guessed", "[mrz][repair]") {
  // TD3: two equally confident candidates for the document-number check
  // digit; the composite holds for '6' only, so it decides.
  auto cands = Candidates(kTd3);
  cands[1][9] = {{'5', 0.5f}, {'6', 0.5f}};
  RepairResult r = RepairMrz(cands).value();
  CHECK(r.lines == kTd3);
  CHECK_FALSE(r.ambiguous);

  // A visa has no composite. '3'->'8' at position 2 (weight 3) and '9'->'4'
  // at position 3 (weight 1) each restore the check digit at equal cost.
  const std::vector<std::string> visa = {"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                         "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"};
  auto vc = Candidates(visa);
  vc[1][1] = {{'3', 0.5f}, {'8', 0.5f}};
  vc[1][2] = {{'9', 0.5f}, {'4', 0.5f}};
  r = RepairMrz(vc, RepairOptions{2, false, 0.05f, true, ""}).value();
  CHECK(r.ambiguous);
  CHECK_FALSE(r.checks_satisfied);
  CHECK(r.lines[1][1] == '3');
  CHECK(r.lines[1][2] == '9');
  CHECK_FALSE(ParseMrzLines(r.lines, testing::Options())->valid());
  // With a more confident '8', the choice is clear.
  vc[1][1] = {{'3', 0.45f}, {'8', 0.55f}};
  r = RepairMrz(vc, RepairOptions{2, false, 0.05f, true, ""}).value();
  CHECK(r.lines == visa);
}

TEST_CASE("an unrepairable reading is reported as such, never as valid", "[mrz][repair]") {
  std::vector<std::string> ocr = kTd3;
  ocr[1][0] = 'X';
  ocr[1][1] = 'X';
  ocr[1][2] = 'X';
  const RepairResult r =
      RepairMrz(Candidates(ocr), RepairOptions{2, false, 0.05f, true, ""}).value();
  CHECK_FALSE(r.checks_satisfied);
  CHECK_FALSE(ParseMrzLines(r.lines, testing::Options())->valid());
}

TEST_CASE("TD1 repair handles the long-number continuation", "[mrz][repair][td1]") {
  const std::vector<std::string> td1 = {"I<UTOD23145890<7349<<<<<<<<<<<",
                                        "7408122F1204159UTO<<<<<<<<<<<6",
                                        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
  auto cands = Candidates(td1);
  cands[0][16] = {{'Z', 0.6f}, {'3', 0.4f}};  // "7Z49": the 3 read as Z
  const RepairResult r = RepairMrz(cands).value();
  CHECK(r.lines == td1);
  CHECK(r.checks_satisfied);
}

TEST_CASE("repair input errors", "[mrz][repair]") {
  CHECK(RepairMrzText({"ABC"}).error().code == ErrorCode::kInvalidInput);
  std::vector<LineCandidates> empty_pos = Candidates(kTd3);
  empty_pos[0][3].clear();
  CHECK_FALSE(RepairMrz(empty_pos).has_value());
}

}  // namespace
}  // namespace tdv::mrz

namespace tdv::mrz {
namespace {

TEST_CASE("TD1 optional data is the composite's to repair unless a long number is announced",
          "[mrz][repair][regression]") {
  // Found by bench_mrz_images: an O read for 0 in TD1 optional data 1 was
  // left alone (the optional data was wrongly held by the document-number
  // check) and a filler elsewhere was turned into 'E' to satisfy the
  // composite instead.
  const std::vector<std::string> truth = {"I<UTOD231458907AB0CD<<<<<<<<<<",
                                          "7408122F1204159UTO<<<<<<<<<<<6",
                                          "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
  REQUIRE(ParseMrzLines(truth, testing::Options())->valid());
  auto cands = Candidates(truth);
  cands[0][17] = {{'O', 0.6f}, {'0', 0.4f}};  // OCR's second choice is right
  const RepairResult r = RepairMrz(cands).value();
  CHECK(r.lines == truth);
  CHECK(r.checks_satisfied);
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].line == 1);
  CHECK(r.repairs[0].position == 18);
}

}  // namespace
}  // namespace tdv::mrz

namespace tdv::mrz {
namespace {

TEST_CASE("state codes without check digits become known codes", "[mrz][repair]") {
  std::vector<std::string> ocr = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                  "L898902C36UTD7408122F1204159ZE184226B<<<<<10"};
  RepairResult r = RepairMrzText(ocr).value();
  CHECK(r.lines[1].substr(10, 3) == "UTO");
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].reason == "country_code");
  CHECK(r.repairs[0].field == "nationality");
  CHECK_FALSE(r.ambiguous);

  // The issuing state too (D<< is Germany; "0<<" is nothing).
  ocr = {"P<0<<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
         "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
  r = RepairMrzText(ocr).value();
  CHECK(r.lines[0].substr(2, 3) == "D<<");

  // A known code is left alone even when a look-alike would also be one.
  ocr = kTd3;
  r = RepairMrzText(ocr).value();
  CHECK(r.repairs.empty());

  // No known code within two look-alikes: left as read (the field type
  // still makes the 8 a B), for validation to report.
  ocr[1] = "L898902C36Q8X7408122F1204159ZE184226B<<<<<10";
  r = RepairMrzText(ocr).value();
  CHECK(r.lines[1].substr(10, 3) == "QBX");
}

}  // namespace
}  // namespace tdv::mrz

namespace tdv::mrz {
namespace {

TEST_CASE("stray characters after the name's padding become fillers", "[mrz][repair]") {
  std::vector<std::string> ocr = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<F",
                                  "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
  RepairResult r = RepairMrzText(ocr).value();
  CHECK(r.lines == kTd3);
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].reason == "name_padding");
  CHECK(r.repairs[0].position == 44);

  // A name that really continues after "<<" is not touched, nor is text
  // after a long run that is more than a stray pair at the very end.
  ocr[0] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<XY";
  CHECK(RepairMrzText(ocr)->lines[0] == kTd3[0]);
  ocr[0] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<XYZ";
  CHECK(RepairMrzText(ocr)->lines[0] == ocr[0]);
  ocr[0] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
  CHECK(RepairMrzText(ocr)->repairs.empty());
}

TEST_CASE("FieldAt names a position's field as repairs do", "[mrz][repair]") {
  CHECK(FieldAt(MrzFormat::kTd3, 1, 1) == "document_code");
  CHECK(FieldAt(MrzFormat::kTd3, 1, 3) == "issuing_state");
  CHECK(FieldAt(MrzFormat::kTd3, 1, 44) == "primary_identifier");
  CHECK(FieldAt(MrzFormat::kTd3, 2, 1) == "document_number");
  // A check digit is named by the field it guards, like RepairMrz's reports.
  CHECK(FieldAt(MrzFormat::kTd3, 2, 10) == "document_number");
  CHECK(FieldAt(MrzFormat::kTd3, 2, 20) == "birth_date");
  CHECK(FieldAt(MrzFormat::kTd1, 3, 1) == "primary_identifier");
  CHECK(FieldAt(MrzFormat::kTd3, 3, 1).empty());
  CHECK(FieldAt(MrzFormat::kTd3, 2, 45).empty());
  CHECK(FieldAt(MrzFormat::kTd3, 0, 1).empty());
  CHECK(FieldAt(MrzFormat::kUnknown, 1, 1).empty());
  // The same names as a repair of the same position.
  RepairResult r = RepairMrzText({kTd3[0], "L898902C36UTO74O8122F1204159ZE184226B<<<<<10"}).value();
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].field == FieldAt(MrzFormat::kTd3, 2, 17));
}

}  // namespace
}  // namespace tdv::mrz

namespace tdv::mrz {
namespace {

bool Uncertain(const RepairResult& r, int line, int position) {
  return std::any_of(r.uncertain.begin(), r.uncertain.end(), [&](const UncertainPosition& u) {
    return u.line == line && u.position == position;
  });
}

TEST_CASE("one change confirmed by its field's check digit is certain",
          "[mrz][repair][uncertain]") {
  auto cands = Candidates(kTd3);
  cands[1][3] = {{'B', 0.6f}, {'8', 0.4f}};
  const RepairResult r = RepairMrz(cands).value();
  CHECK(r.lines == kTd3);
  CHECK(r.uncertain.empty());
}

TEST_CASE("two changes under one check digit are uncertain", "[mrz][repair][uncertain]") {
  // Document number L898902C3: two misreads, each with the right character as
  // OCR's second choice. Some pair of changes satisfies a check digit one
  // time in ten, so the digit confirms neither.
  auto cands = Candidates(kTd3);
  cands[1][1] = {{'B', 0.6f}, {'8', 0.4f}};
  cands[1][5] = {{'O', 0.6f}, {'0', 0.4f}};
  RepairOptions options;
  options.search_look_alikes = false;  // only OCR's own alternatives
  const RepairResult r = RepairMrz(cands, options).value();
  CHECK(r.lines == kTd3);
  CHECK(r.checks_satisfied);
  CHECK(Uncertain(r, 2, 2));
  CHECK(Uncertain(r, 2, 6));
  for (const auto& u : r.uncertain) CHECK(u.reason == "unconfirmed_change");
}

TEST_CASE("a state code turned into another code is uncertain", "[mrz][repair][uncertain]") {
  std::vector<std::string> ocr = kTd3;
  ocr[0][4] = 'D';  // UTO -> UTD, not a code
  const RepairResult r = RepairMrzText(ocr).value();
  CHECK(r.lines == kTd3);
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].reason == "country_code");
  CHECK(Uncertain(r, 1, 5));
}

TEST_CASE("a change only the composite covers is uncertain", "[mrz][repair][uncertain]") {
  // TD1 line 1 optional data (positions 16-30) has no check digit of its own.
  const std::vector<std::string> td1 = {"I<UTOD231458907<<<<<<<<<<<<<<<",
                                        "7408122F1204159UTO<<<<<<<<<<<6",
                                        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
  REQUIRE(ParseMrzLines(td1, testing::Options())->valid());
  auto cands = Candidates(td1);
  // 'E' (value 14) where a filler stands: only the composite sees it.
  cands[0][20] = {{'E', 0.6f}, {'<', 0.4f}};
  RepairOptions options;
  options.search_look_alikes = false;
  const RepairResult r = RepairMrz(cands, options).value();
  CHECK(r.lines == td1);
  CHECK(Uncertain(r, 1, 21));
}

TEST_CASE("without look-alike guesses, a confident misprint stays as printed",
          "[mrz][repair][uncertain]") {
  // A specimen whose printed document-number check digit is wrong (6 -> 7):
  // read with confidence everywhere, it must stay invalid, as printed.
  std::vector<std::string> printed = kTd3;
  printed[1][9] = '7';
  const RepairResult r = RepairMrz(Candidates(printed), ImageLike()).value();
  CHECK(r.lines == printed);
  CHECK_FALSE(r.checks_satisfied);
  CHECK(r.repairs.empty());
}

TEST_CASE("search_pairs lets a check digit read a round O as 0, and no other look-alike",
          "[mrz][repair]") {
  // L898902C3: its 0 read as the letter O, OCR proposing nothing else (a
  // printer's zero as round as the letter).
  std::vector<std::string> ocr = kTd3;
  ocr[1][5] = 'O';
  RepairOptions image = ImageLike();
  CHECK(RepairMrz(Candidates(ocr), image).value().lines == ocr);
  image.search_pairs = "O0";
  const RepairResult r = RepairMrz(Candidates(ocr), image).value();
  CHECK(r.lines == kTd3);
  CHECK(r.checks_satisfied);
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].from == 'O');
  CHECK(r.repairs[0].to == '0');
  CHECK(r.repairs[0].reason == "check_digit");
  // Its 8 read as B: a look-alike too, but not a listed pair.
  ocr = kTd3;
  ocr[1][1] = 'B';
  CHECK(RepairMrz(Candidates(ocr), image).value().lines == ocr);
  // The pair works both ways: a 0 where the check digit says O.
  std::vector<std::string> with_o = kTd3;
  const auto digit = [](std::string_view data) {
    return static_cast<char>('0' + ComputeCheckDigit(data));
  };
  std::string& l2 = with_o[1];
  l2.replace(0, 10, std::string("L898O02C3") + digit("L898O02C3"));
  l2[43] = digit(l2.substr(0, 10) + l2.substr(13, 7) + l2.substr(21, 22));
  REQUIRE(Valid(RepairMrzText(with_o).value()));
  ocr = with_o;
  ocr[1][4] = '0';
  CHECK(RepairMrz(Candidates(ocr), image).value().lines == with_o);
}

TEST_CASE("a name's stray tail symbol is cleared before the check digits are weighed",
          "[mrz][repair][uncertain]") {
  // Found by fuzz_mrz_parse (ASan build): a French card whose name ends in a
  // stray `I` after its fillers, a field its final check digit covers. The
  // search ran first, found ties, and the cleared tail then satisfied every
  // check digit: "ambiguous" and satisfied at once.
  const std::vector<std::string> french = {"IDFRABERTHIER<<<<<<<<<<<<<<<<I933002",
                                           "8806933107681CORINNE<<<<<<<6502126F1"};
  const RepairResult r = RepairMrzText(french).value();
  CHECK_FALSE((r.checks_satisfied && r.ambiguous));
  CHECK(r.lines[0] == "IDFRABERTHIER<<<<<<<<<<<<<<<<<933002");
  CHECK(r.checks_satisfied);
  REQUIRE(r.repairs.size() == 1);
  CHECK(r.repairs[0].reason == "name_padding");
}

TEST_CASE("ties in a state code are uncertain, never 'ambiguous and satisfied'",
          "[mrz][repair][uncertain]") {
  // Found by fuzz_mrz_parse (ASan build, 5 minutes): the nationality '<<O'
  // has two equally good repairs while every check digit holds.
  const std::vector<std::string> td2 = {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                                        "123456788<<<O7408122F120415910<<4<<4"};
  const RepairResult r = RepairMrzText(td2).value();
  CHECK_FALSE((r.checks_satisfied && r.ambiguous));
}

TEST_CASE("which positions a field's own check digit covers", "[mrz][repair]") {
  CHECK(CoveredByOwnCheck(MrzFormat::kTd3, 2, 1));         // document number
  CHECK(CoveredByOwnCheck(MrzFormat::kTd3, 2, 10));        // its check digit
  CHECK(CoveredByOwnCheck(MrzFormat::kTd3, 2, 14));        // birth date
  CHECK(CoveredByOwnCheck(MrzFormat::kTd3, 2, 29));        // personal number
  CHECK_FALSE(CoveredByOwnCheck(MrzFormat::kTd3, 1, 6));   // name
  CHECK_FALSE(CoveredByOwnCheck(MrzFormat::kTd3, 2, 11));  // nationality
  CHECK_FALSE(CoveredByOwnCheck(MrzFormat::kTd1, 1, 20));  // optional data: composite only
  CHECK_FALSE(CoveredByOwnCheck(MrzFormat::kUnknown, 1, 1));
}

}  // namespace
}  // namespace tdv::mrz

namespace tdv::mrz {
namespace {

TEST_CASE("a digit printed as the document code's second character is kept as printed",
          "[mrz][repair]") {
  // US permanent resident cards print "C1": validation reports the code, the
  // reading must not turn the 1 into an I.
  const std::vector<std::string> td1 = {"C1USA0223456791EAC9730053465<<",
                                        "4910040M9411014CAN<<<<<<<<<<<9",
                                        "CRITTENDEN<<LEE<W<<<<<<<<<<<<<"};
  const RepairResult r = RepairMrzText(td1).value();
  CHECK(r.lines[0].substr(0, 2) == "C1");
  // The first character stays a letter (a 1 there is an I).
  std::vector<std::string> ocr = td1;
  ocr[0][0] = '1';
  ocr[0][1] = 'D';
  CHECK(RepairMrzText(ocr)->lines[0].substr(0, 2) == "ID");
}

}  // namespace
}  // namespace tdv::mrz
