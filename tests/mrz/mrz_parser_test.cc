// SPDX-License-Identifier: Apache-2.0
// Known answers from the ICAO 9303 specimens and the peers' public tests
// (sources in ../shared/reference/icao-9303-mrz.md).
#include "catch.h"
#include "tdv/mrz/check_digit.h"
#include "tdv/mrz/mrz.h"
#include "test_util.h"

namespace tdv::mrz {
namespace {

using testing::FindCheck;
using testing::HasError;
using testing::HasWarning;
using testing::Options;
using testing::Parse;

const std::string kTd3 =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const std::string kTd1 =
    "I<UTOD231458907<<<<<<<<<<<<<<<\n"
    "7408122F1204159UTO<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const std::string kTd2 =
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
    "D231458907UTO7408122F1204159<<<<<<<6";
const std::string kMrvA =
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<";
const std::string kMrvB =
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
    "L8988901C4XXX4009078F9612109<<<<<<<<";
const std::string kFrenchId =
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<933002\n"
    "8806933107681CORINNE<<<<<<<6502126F1";

TEST_CASE("TD3 specimen parses into every field", "[mrz][td3]") {
  const Mrz m = Parse(kTd3);
  CHECK(m.format == MrzFormat::kTd3);
  CHECK(m.valid());
  CHECK(m.warnings.empty());
  CHECK(m.document_code.value == "P");
  CHECK(m.issuing_state.value == "UTO");
  CHECK(m.name.primary_identifier == "ERIKSSON");
  CHECK(m.name.secondary_identifier == "ANNA MARIA");
  CHECK_FALSE(m.name.truncated);
  CHECK(m.document_number.value == "L898902C3");
  CHECK(m.nationality.value == "UTO");
  CHECK(m.birth_date.raw == "740812");
  CHECK(m.birth_date.Iso() == "1974-08-12");
  CHECK(m.sex.value == "F");
  CHECK(m.expiry_date.Iso() == "2012-04-15");
  CHECK(m.optional_data.value == "ZE184226B");
  CHECK_FALSE(m.optional_data_2.present);
  REQUIRE(m.checks.size() == 5);
  for (const auto& c : m.checks) CHECK(c.ok);
  CHECK(FindCheck(m, "composite")->expected == '0');
  CHECK(FindCheck(m, "optional_data")->expected == '1');
}

TEST_CASE("TD1 specimen parses, with composite over three ranges", "[mrz][td1]") {
  const Mrz m = Parse(kTd1);
  CHECK(m.format == MrzFormat::kTd1);
  CHECK(m.valid());
  CHECK(m.document_code.value == "I");
  CHECK(m.document_number.value == "D23145890");
  CHECK(m.name.primary_identifier == "ERIKSSON");
  CHECK(m.name.secondary_identifier == "ANNA MARIA");
  CHECK(m.optional_data.present);
  CHECK(m.optional_data.value.empty());
  CHECK(m.optional_data_2.present);
  CHECK(FindCheck(m, "composite")->ok);
  CHECK(FindCheck(m, "composite")->span.line == 2);
  CHECK(FindCheck(m, "composite")->span.start == 30);
  CHECK(m.checks.size() == 4);
}

TEST_CASE("TD2 specimen parses", "[mrz][td2]") {
  const Mrz m = Parse(kTd2);
  CHECK(m.format == MrzFormat::kTd2);
  CHECK(m.valid());
  CHECK(m.document_number.value == "D23145890");
  CHECK(m.birth_date.Iso() == "1974-08-12");
  CHECK(FindCheck(m, "composite")->expected == '6');
}

TEST_CASE("MRV-A has no composite and 16 characters of optional data", "[mrz][mrva]") {
  const Mrz m = Parse(kMrvA);
  CHECK(m.format == MrzFormat::kMrvA);
  CHECK(m.valid());
  CHECK(m.nationality.value == "XXX");
  CHECK(m.document_number.value == "L8988901C");
  CHECK(m.birth_date.Iso() == "1940-09-07");
  CHECK(m.expiry_date.Iso() == "1996-12-10");
  CHECK(m.optional_data.raw.size() == 16);
  CHECK(m.optional_data.value == "6ZE184226B");
  CHECK(m.checks.size() == 3);
  CHECK(FindCheck(m, "composite") == nullptr);
}

TEST_CASE("MRV-B parses as a 2x36 visa", "[mrz][mrvb]") {
  const Mrz m = Parse(kMrvB);
  CHECK(m.format == MrzFormat::kMrvB);
  CHECK(m.valid());
  CHECK(m.optional_data.raw.size() == 8);
  CHECK(m.checks.size() == 3);
}

TEST_CASE("the pre-2021 French ID card is a recognised profile", "[mrz][french]") {
  const Mrz m = Parse(kFrenchId);
  CHECK(m.format == MrzFormat::kFrenchId);
  CHECK(m.valid());
  CHECK(m.document_number.value == "880693310768");
  CHECK(m.name.primary_identifier == "BERTHIER");
  CHECK(m.name.secondary_identifier == "CORINNE");
  CHECK(m.birth_date.Iso() == "1965-02-12");
  CHECK(m.optional_data.value == "933002");
  CHECK_FALSE(m.nationality.present);
  CHECK_FALSE(m.expiry_date.present);
  CHECK(FindCheck(m, "composite")->ok);
}

TEST_CASE("input shapes: CRLF, CR, surrounding whitespace, blank lines, one string",
          "[mrz][input]") {
  const std::string l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
  const std::string l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
  for (const std::string& text :
       {l1 + "\r\n" + l2, l1 + "\r" + l2, "  \n\t" + l1 + "  \n\n  " + l2 + "\n\n", l1 + l2}) {
    INFO(text);
    const Mrz m = Parse(text);
    CHECK(m.format == MrzFormat::kTd3);
    CHECK(m.valid());
    CHECK(m.lines == std::vector<std::string>{l1, l2});
  }
  // 72 and 90 characters without breaks.
  std::string td2 = kTd2, td1 = kTd1;
  td2.erase(std::remove(td2.begin(), td2.end(), '\n'), td2.end());
  td1.erase(std::remove(td1.begin(), td1.end(), '\n'), td1.end());
  CHECK(Parse(td2).format == MrzFormat::kTd2);
  CHECK(Parse(td1).format == MrzFormat::kTd1);
  CHECK(Parse(td1).valid());
  // Separate lines, and one unbroken string given as a single line.
  CHECK(ParseMrzLines({l1, l2}, Options())->valid());
  CHECK(ParseMrzLines({l1 + l2}, Options())->valid());
}

TEST_CASE("no text at all and a bad reference date are call errors", "[mrz][input]") {
  CHECK(ParseMrz("", Options()).error().code == ErrorCode::kInvalidInput);
  CHECK(ParseMrz(" \n\r\n\t ", Options()).error().code == ErrorCode::kInvalidInput);
  ParseOptions bad = Options();
  bad.today = CivilDate{2026, 2, 30};
  CHECK_FALSE(ParseMrz(kTd3, bad).has_value());
}

TEST_CASE("a wrong line count or length is a layout error with position", "[mrz][layout]") {
  SECTION("TD3 rejects a 43-char line") {
    const Mrz m = Parse(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<"
        "1");
    CHECK(m.format == MrzFormat::kUnknown);
    CHECK_FALSE(m.valid());
    REQUIRE(m.errors.size() == 1);
    CHECK(m.errors[0].code == "line_length");
    CHECK(m.errors[0].span.line == 2);
    CHECK(m.errors[0].span.end == 43);
  }
  SECTION("four lines") {
    const Mrz m = Parse("A\nB\nC\nD");
    REQUIRE(m.errors.size() == 1);
    CHECK(m.errors[0].code == "line_count");
  }
  SECTION("a single line of the wrong length") {
    const Mrz m = Parse(std::string(87, 'A'));
    REQUIRE(m.errors.size() == 1);
    CHECK(m.errors[0].code == "line_count");
  }
  SECTION("three lines of 36") {
    const Mrz m =
        Parse(std::string(36, '<') + "\n" + std::string(36, '<') + "\n" + std::string(36, '<'));
    CHECK(m.errors.size() == 3);
    CHECK(m.errors[2].span.line == 3);
  }
  SECTION("a 2x34 Slovak-style card is not guessed") {
    const Mrz m = Parse(std::string(34, '<') + "\n" + std::string(34, '<'));
    CHECK(m.format == MrzFormat::kUnknown);
    CHECK(m.errors.size() == 2);
  }
}

TEST_CASE("every error is reported, each with field, code and position", "[mrz][errors]") {
  // Wrong document-number digit (7 for 6), month 13, lower case in the name.
  const Mrz m = Parse(
      "P<UTOERIKSSON<<ANNa<MARIA<<<<<<<<<<<<<<<<<<<\n"
      "L898902C37UTO7413122F1204159ZE184226B<<<<<10");
  CHECK(HasError(m, "primary_identifier", "invalid_character"));
  CHECK(HasError(m, "document_number", "check_digit_mismatch"));
  CHECK(HasError(m, "birth_date", "invalid_date"));
  CHECK(HasError(m, "composite", "check_digit_mismatch"));
  for (const Issue& e : m.errors) {
    CHECK(e.span.line >= 1);
    CHECK(e.span.start >= 1);
    CHECK(e.span.end >= e.span.start);
    CHECK_FALSE(e.message.empty());
  }
  const Issue* doc = nullptr;
  for (const Issue& e : m.errors) {
    if (e.field == "document_number") doc = &e;
  }
  REQUIRE(doc != nullptr);
  CHECK(doc->expected == '6');
  CHECK(doc->span.line == 2);
  CHECK(doc->span.start == 10);
  CHECK(doc->message.find("Must be 6") == std::string::npos);  // our wording:
  CHECK(doc->message.find("must be 6") != std::string::npos);
  const Issue* lower = nullptr;
  for (const Issue& e : m.errors) {
    if (e.code == "invalid_character") lower = &e;
  }
  CHECK(lower->span.line == 1);
  CHECK(lower->span.start == 19);
}

TEST_CASE("field validation: dates, sex, codes", "[mrz][fields]") {
  struct Case {
    std::string line2;
    std::string field;
    std::string code;
  } cases[] = {
      // 880941: day 41; BB0911: letters in a date (mrz-java #13, #15).
      {"L898902C36UTO8809412F1204159ZE184226B<<<<<10", "birth_date", "invalid_date"},
      {"L898902C36UTOBB09112F1204159ZE184226B<<<<<10", "birth_date", "invalid_date"},
      {"L898902C36UTO7402302F1204159ZE184226B<<<<<10", "birth_date", "invalid_date"},
      {"L898902C36UTO7408122F1213319ZE184226B<<<<<10", "expiry_date", "invalid_date"},
      {"L898902C36UTO7408122Q1204159ZE184226B<<<<<10", "sex", "invalid_sex"},
      {"L898902C36ZZZ7408122F1204159ZE184226B<<<<<10", "nationality", "unknown_country_code"},
      {"L898902C36U<O7408122F1204159ZE184226B<<<<<10", "nationality", "invalid_country_code"},
      {"L898902C3<UTO7408122F1204159ZE184226B<<<<<10", "document_number", "invalid_check_digit"},
      {"L898902C3AUTO7408122F1204159ZE184226B<<<<<10", "document_number", "invalid_check_digit"},
  };
  for (const auto& c : cases) {
    INFO(c.line2);
    const Mrz m = Parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" + c.line2);
    CHECK(m.format == MrzFormat::kTd3);
    CHECK(HasError(m, c.field, c.code));
  }
}

TEST_CASE("the specimen state UTO needs allow_specimens", "[mrz][codes]") {
  const Mrz strict = Parse(kTd3, Options(/*allow_specimens=*/false));
  CHECK_FALSE(strict.valid());
  CHECK(HasError(strict, "issuing_state", "specimen_country_code"));
  CHECK(HasError(strict, "nationality", "specimen_country_code"));
  CHECK(Parse(kTd3, Options(true)).valid());
}

TEST_CASE("Germany is D<< and XXK is flagged as non-ICAO", "[mrz][codes]") {
  const Mrz de = Parse(
      "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\n"
      "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4",
      Options(false));
  CHECK(de.valid());
  CHECK(de.issuing_state.value == "D");
  CHECK(de.nationality.value == "D");
  const std::string xxk =
      "P<XXKERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
      "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
  const Mrz lenient = Parse(xxk);
  CHECK(lenient.valid());
  CHECK(HasWarning(lenient, "non_icao_country_code"));
  CHECK(HasError(Parse(xxk, Options(true, true)), "issuing_state", "non_icao_country_code"));
}

TEST_CASE("sex: M, F, X and < accepted; X rejected in strict mode", "[mrz][sex]") {
  // Changing the sex changes no check digit (it is outside every range).
  for (char sex : {'M', 'F', 'X', '<'}) {
    std::string text = kTd3;
    text[45 + 20] = sex;
    INFO(sex);
    CHECK(Parse(text).valid());
  }
  std::string x = kTd3;
  x[45 + 20] = 'X';
  CHECK(HasError(Parse(x, Options(true, true)), "sex", "sex_x_in_mrz"));
}

TEST_CASE("centuries: birth never in the future, expiry within 50 years", "[mrz][dates]") {
  // today = 2026-11-28 (test_util.h).
  auto birth = [](const std::string& yymmdd) {
    std::string text = kTd3;
    text.replace(45 + 13, 6, yymmdd);
    return Parse(text).birth_date;
  };
  auto expiry = [](const std::string& yymmdd) {
    std::string text = kTd3;
    text.replace(45 + 21, 6, yymmdd);
    return Parse(text).expiry_date;
  };
  CHECK(birth("251231").Iso() == "2025-12-31");
  CHECK(birth("261128").Iso() == "2026-11-28");
  CHECK(birth("261129").Iso() == "1926-11-29");
  CHECK(birth("740812").Iso() == "1974-08-12");
  CHECK(expiry("961210").Iso() == "1996-12-10");
  CHECK(expiry("810913").Iso() == "1981-09-13");
  CHECK(expiry("700601").Iso() == "2070-06-01");
  CHECK(expiry("760601").Iso() == "2076-06-01");
  CHECK(expiry("770601").Iso() == "1977-06-01");
  // Leap days: 2000 is leap, 2001 is not.
  CHECK(birth("000229").state == DateField::State::kComplete);
  CHECK(birth("010229").state == DateField::State::kInvalid);
}

TEST_CASE("unknown date parts and documents that do not expire", "[mrz][dates]") {
  SECTION("birth 74<<<< (check digit treats < as 0)") {
    // 7*7 + 4*3 = 61 -> 1; the composite is recomputed with the new date.
    std::string text = kTd3;
    text.replace(45 + 13, 7, "74<<<<1");
    text[45 + 43] =
        static_cast<char>('0' + ComputeCheckDigit(text.substr(45, 10) + text.substr(45 + 13, 7) +
                                                  text.substr(45 + 21, 22)));
    const Mrz m = Parse(text);
    CHECK(m.valid());
    CHECK(m.birth_date.state == DateField::State::kPartial);
    CHECK(m.birth_date.year == 1974);
    CHECK_FALSE(m.birth_date.month.has_value());
    CHECK(m.birth_date.Iso().empty());
  }
  // Moldovan senior ID: expiry <<<<<< with check digit 0 (GioviQ).
  const Mrz md = Parse(
      "I<MDA1234567897<<<<<<<<<<<<<<<\n"
      "7408122F<<<<<<0MDA<<<<<<<<<<<6\n"
      "POPESCU<<ION<<<<<<<<<<<<<<<<<<");
  CHECK(md.valid());
  CHECK(md.expiry_date.state == DateField::State::kNoExpiry);
  CHECK(md.expiry_date.Iso().empty());
  CHECK(CheckExpiry(md.expiry_date, CivilDate{2099, 1, 1}) == ExpiryStatus::kNoExpiry);
}

TEST_CASE("a filler check digit is allowed only for an all-filler field", "[mrz][check_digit]") {
  // Arg0s1080/mrz #34: '<' and '0' both accepted for an empty personal number.
  CHECK(Parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159<<<<<<<<<<"
              "<<<<<8")
            .valid());
  CHECK(Parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159<<<<<<<<<<"
              "<<<<08")
            .valid());
  const Mrz one = Parse(
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<19");
  CHECK(HasError(one, "optional_data", "check_digit_mismatch"));
}

TEST_CASE("TD1 long document numbers: both check-digit variants", "[mrz][td1][overflow]") {
  SECTION("ICAO example: D23145890734, variant A") {
    const Mrz m = Parse(
        "I<UTOD23145890<7349<<<<<<<<<<<\n"
        "7408122F1204159UTO<<<<<<<<<<<6\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    CHECK(m.valid());
    CHECK(m.document_number_overflow);
    CHECK(m.document_number.value == "D23145890734");
    const CheckDigitResult* c = FindCheck(m, "document_number");
    CHECK(c->variant == "overflow");
    CHECK(c->span.line == 1);
    CHECK(c->span.start == 19);
    CHECK(m.optional_data.value.empty());
  }
  SECTION("Belgian BEL-BO-03003: the filler counted, variant B") {
    const Mrz m = Parse(
        "IDBEL000590240<6013<<<<<<<<<<<\n"
        "8501019M3001019BEL<<<<<<<<<<<4\n"
        "DUPONT<<MARIE<<<<<<<<<<<<<<<<<");
    CHECK(m.valid());
    CHECK(m.document_number.value == "000590240601");
    CHECK(FindCheck(m, "document_number")->variant == "overflow_with_filler");
  }
  SECTION("22 characters, the maximum") {
    const Mrz m = Parse(
        "I<UTO123456789<01234567880122<\n"
        "7408122F1204159UTO<<<<<<<<<<<0\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    CHECK(m.valid());
    CHECK(m.document_number.value == "1234567890123456788012");
  }
  SECTION("optional data after the continuation (jmrtd OHDA1 case)") {
    const Mrz m = Parse(
        "I<NLD123456789<010<OHDA1<<<<<<\n"
        "7408122F1204159NLD<<<<<<<<<<<0\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    CHECK(m.document_number.value == "12345678901");
    CHECK(m.optional_data.value == "OHDA1");
    CHECK(m.optional_data.span.start == 20);
  }
  SECTION("a continuation that is empty is rejected, not crashed on") {
    const Mrz m = Parse(
        "I<UTOD23145890<<<<<<<<<<<<<<<<\n"
        "7408122F1204159UTO<<<<<<<<<<<6\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    CHECK(HasError(m, "document_number", "document_number_overflow_empty"));
  }
  SECTION("a wrong continuation digit names both variants") {
    const Mrz m = Parse(
        "I<UTOD23145890<7341<<<<<<<<<<<\n"
        "7408122F1204159UTO<<<<<<<<<<<6\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    CHECK(HasError(m, "document_number", "check_digit_mismatch"));
  }
}

TEST_CASE("TD2 long document number; the composite uses raw positions", "[mrz][td2][overflow]") {
  // jmrtd's TD2 example: the number is right, but jmrtd computed the composite
  // over the full number; over the raw positions it is 8, not 4.
  const Mrz m = Parse(
      "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
      "123456789<UTO7408122F1204159104<<<<4");
  CHECK(m.document_number.value == "12345678910");
  CHECK(FindCheck(m, "document_number")->ok);
  CHECK(FindCheck(m, "document_number")->variant == "overflow");
  CHECK(HasError(m, "composite", "check_digit_mismatch"));
  CHECK(FindCheck(m, "composite")->expected == '8');
  std::string fixed = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n123456789<UTO7408122F1204159104<<<<8";
  CHECK(Parse(fixed).valid());
}

TEST_CASE("names: components, truncation, empty primary identifier", "[mrz][names]") {
  SECTION("truncated: the zone ends in a letter") {
    // Arg0s1080: P<NLDVAN<NIEUWENHUIZEN<<GERARD<ROBBERT<MARTI
    std::string text = kTd3;
    text.replace(0, 44, "P<NLDVAN<NIEUWENHUIZEN<<GERARD<ROBBERT<MARTI");
    const Mrz m = Parse(text);
    CHECK(m.name.primary_identifier == "VAN NIEUWENHUIZEN");
    CHECK(m.name.secondary_identifier == "GERARD ROBBERT MARTI");
    CHECK(m.name.truncated);
    CHECK(HasWarning(m, "name_truncated"));
    CHECK(m.valid());
  }
  SECTION("no << : everything is the primary identifier") {
    std::string text = kTd3;
    text.replace(0, 44, "P<UTOSMEGAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<");
    const Mrz m = Parse(text);
    CHECK(m.name.primary_identifier == "SMEGAN");
    CHECK(m.name.secondary_identifier.empty());
  }
  SECTION("starts with << : no primary identifier") {
    std::string text = kTd3;
    text.replace(0, 44, "P<UTO<<HERMIONE<<<<<<<<<<<<<<<<<<<<<<<<<<<<<");
    const Mrz m = Parse(text);
    CHECK(m.name.primary_identifier.empty());
    CHECK(m.name.secondary_identifier == "HERMIONE");
  }
  SECTION("digits in names are warned about, and rejected in strict mode") {
    std::string text = kTd3;
    text.replace(0, 44, "P<UTOZDRIL7K<<SERGEQ<ANATOL9EVI3<<<<<<<<<<<<");
    CHECK(HasWarning(Parse(text), "digit_in_name"));
    CHECK(Parse(text).valid());
    CHECK(HasError(Parse(text, Options(true, true)), "primary_identifier", "digit_in_name"));
  }
}

TEST_CASE("unusual document codes are warnings; non-letters are errors", "[mrz][code]") {
  std::string i_td3 = kTd3;
  i_td3[0] = 'I';  // TD3-size 'I' documents exist (mrz-java MRPTest)
  CHECK(Parse(i_td3).valid());
  CHECK(HasWarning(Parse(i_td3), "unexpected_document_code"));
  std::string digit = kTd3;
  digit[0] = '1';
  CHECK(HasError(Parse(digit), "document_code", "invalid_document_code"));
}

TEST_CASE("expiry policy is separate from validity", "[mrz][expiry]") {
  const Mrz m = Parse(kTd3);
  CHECK(m.valid());
  CHECK(CheckExpiry(m.expiry_date, CivilDate{2012, 4, 15}) == ExpiryStatus::kValid);
  CHECK(CheckExpiry(m.expiry_date, CivilDate{2012, 4, 16}) == ExpiryStatus::kExpired);
}

}  // namespace
}  // namespace tdv::mrz
