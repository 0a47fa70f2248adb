// SPDX-License-Identifier: Apache-2.0
// ParseMrz(): layout detection, field extraction and validation of every field
// and check digit. Rules and their sources: ../shared/reference/icao-9303-mrz.md.
#include <algorithm>
#include <string>

#include "layout.h"
#include "tdv/mrz/check_digit.h"
#include "tdv/mrz/country_codes.h"
#include "tdv/mrz/mrz.h"

namespace tdv::mrz {

using internal::CharClass;
using internal::CheckSpec;
using internal::FieldId;
using internal::FieldSpec;
using internal::Layout;
using internal::MakeSpan;

const char* FormatName(MrzFormat format) noexcept {
  switch (format) {
    case MrzFormat::kTd1:
      return "TD1";
    case MrzFormat::kTd2:
      return "TD2";
    case MrzFormat::kTd3:
      return "TD3";
    case MrzFormat::kMrvA:
      return "MRVA";
    case MrzFormat::kMrvB:
      return "MRVB";
    case MrzFormat::kFrenchId:
      return "FRENCH_ID";
    case MrzFormat::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::string DateField::Iso() const {
  if (state != State::kComplete) return {};
  return CivilDate{*year, *month, *day}.ToIso();
}

ExpiryStatus CheckExpiry(const DateField& expiry_date, CivilDate as_of) noexcept {
  if (expiry_date.state == DateField::State::kNoExpiry) return ExpiryStatus::kNoExpiry;
  if (expiry_date.state != DateField::State::kComplete) return ExpiryStatus::kUnknown;
  const CivilDate expiry{*expiry_date.year, *expiry_date.month, *expiry_date.day};
  return as_of > expiry ? ExpiryStatus::kExpired : ExpiryStatus::kValid;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view StripTrailingFillers(std::string_view s) {
  while (!s.empty() && s.back() == '<') s.remove_suffix(1);
  return s;
}

bool AllFillers(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '<'; });
}

// One line of 88, 72 or 90 characters is an MRZ written without breaks:
// split it by its total length.
void SplitUnbroken(std::vector<std::string>& lines) {
  if (lines.size() != 1) return;
  std::size_t len = 0;
  if (lines[0].size() == 88) len = 44;
  if (lines[0].size() == 72) len = 36;
  if (lines[0].size() == 90) len = 30;
  if (len == 0) return;
  const std::string one = std::move(lines[0]);
  lines.clear();
  for (std::size_t pos = 0; pos < one.size(); pos += len) lines.push_back(one.substr(pos, len));
}

// Splits on "\n", "\r\n" or "\r", trims each line and drops blank ones.
std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  lines.reserve(3);
  auto add = [&lines](std::string_view line) {
    line = Trim(line);
    if (!line.empty()) lines.emplace_back(line);
  };
  // '\n' found with memchr (fast); a '\r' inside a piece splits it again.
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view piece = text.substr(pos, end - pos);
    for (std::size_t cr; (cr = piece.find('\r')) != std::string_view::npos;
         piece.remove_prefix(cr + 1)) {
      add(piece.substr(0, cr));
    }
    add(piece);
    pos = end + 1;
  }
  return lines;
}

std::string NameText(std::string_view zone) {
  // '<' separates components; runs of fillers become one space.
  std::string out;
  out.reserve(zone.size());
  for (char c : StripTrailingFillers(zone)) {
    if (c == '<') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

class Parser {
 public:
  Parser(Mrz& mrz, const ParseOptions& options) : mrz_(mrz), options_(options) {}

  void Run() {
    mrz_.format = internal::DetectFormat(mrz_.lines);
    layout_ = internal::LayoutFor(mrz_.format);
    if (layout_ == nullptr) {
      ReportLayout();
      return;
    }
    // One pass over the lines first: in the usual case every character is
    // in the alphabet and ExtractField() skips its per-character report.
    for (std::size_t i = 0; i < mrz_.lines.size(); ++i) {
      const std::string& line = mrz_.lines[i];
      line_has_invalid_[i] = !internal::AllMrzChars(line);
    }
    for (const FieldSpec& spec : layout_->fields) ExtractField(spec);
    mrz_.checks.reserve(layout_->checks.size());
    for (const CheckSpec& spec : layout_->checks) Check(spec);
    ValidateDocumentCode();
    ValidateCountry(mrz_.issuing_state, "issuing_state");
    ValidateCountry(mrz_.nationality, "nationality");
    ValidateDate(mrz_.birth_date, "birth_date", false);
    ValidateDate(mrz_.expiry_date, "expiry_date", true);
    ValidateSex();
    ValidateName();
    if (mrz_.document_number.value.empty()) {
      Add(Severity::kError, "document_number", "empty_document_number",
          "the document number is empty", mrz_.document_number.span);
    }
  }

 private:
  void Add(Severity severity, std::string field, std::string code, std::string message, Span span,
           char expected = 0) {
    auto& list = severity == Severity::kError ? mrz_.errors : mrz_.warnings;
    list.push_back(
        Issue{severity, std::move(field), std::move(code), std::move(message), span, expected});
  }

  std::string_view Slice(internal::Range r) const {
    return std::string_view(mrz_.lines[static_cast<std::size_t>(r.line)])
        .substr(static_cast<std::size_t>(r.start), static_cast<std::size_t>(r.length));
  }

  void ReportLayout() {
    const auto& lines = mrz_.lines;
    if (lines.size() < 2 || lines.size() > 3) {
      Add(Severity::kError, "layout", "line_count",
          "an MRZ has 2 or 3 lines (or one string of 72, 88 or 90 characters); found " +
              std::to_string(lines.size()) + " line(s)" +
              (lines.size() == 1 ? " of " + std::to_string(lines[0].size()) + " characters" : ""),
          Span{});
      return;
    }
    // The expected length: 30 for three lines; for two, the first line of a
    // legal length (36 or 44) sets it.
    std::size_t expected = 30;
    if (lines.size() == 2) {
      expected = 0;
      for (const auto& line : lines) {
        if (expected == 0 && (line.size() == 36 || line.size() == 44)) expected = line.size();
      }
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::size_t n = lines[i].size();
      if (n == expected) continue;
      std::string want = expected == 0 ? std::string("36 (TD2, MRV-B) or 44 (TD3, MRV-A)")
                                       : std::to_string(expected);
      Add(Severity::kError, "layout", "line_length",
          "line " + std::to_string(i + 1) + " has " + std::to_string(n) + " characters; expected " +
              want,
          Span{static_cast<int>(i + 1), 1, static_cast<int>(n)});
    }
  }

  // Copies a field out of the lines and reports characters outside the MRZ
  // alphabet in it.
  void ExtractField(const FieldSpec& spec) {
    const std::string_view raw = Slice(spec.range);
    const Span span = MakeSpan(spec.range.line, spec.range.start, spec.range.length);
    const bool scan = line_has_invalid_[static_cast<std::size_t>(spec.range.line)];
    for (std::size_t i = 0; scan && i < raw.size(); ++i) {
      if (!internal::IsMrzChar(raw[i])) {
        const int col = span.start + static_cast<int>(i);
        Add(Severity::kError, internal::FieldName(spec.id), "invalid_character",
            std::string("character '") + raw[i] + "' at line " + std::to_string(span.line) +
                ", position " + std::to_string(col) + " is outside the MRZ alphabet A-Z 0-9 <",
            Span{span.line, col, col});
      }
    }
    switch (spec.id) {
      case FieldId::kDocumentCode:
        SetText(mrz_.document_code, raw, span);
        break;
      case FieldId::kIssuingState:
        SetText(mrz_.issuing_state, raw, span);
        break;
      case FieldId::kDocumentNumber:
        SetText(mrz_.document_number, raw, span);
        break;
      case FieldId::kNationality:
        SetText(mrz_.nationality, raw, span);
        break;
      case FieldId::kSex:
        SetText(mrz_.sex, raw, span);
        break;
      case FieldId::kOptionalData:
        SetText(mrz_.optional_data, raw, span);
        break;
      case FieldId::kOptionalData2:
        SetText(mrz_.optional_data_2, raw, span);
        break;
      case FieldId::kBirthDate:
        SetDate(mrz_.birth_date, raw, span);
        break;
      case FieldId::kExpiryDate:
        SetDate(mrz_.expiry_date, raw, span);
        break;
      case FieldId::kName:
        mrz_.name.raw.assign(raw);
        mrz_.name.span = span;
        break;
      case FieldId::kNameSecondary:
        secondary_zone_ = raw;
        break;
      case FieldId::kComposite:
        break;
    }
  }

  static void SetText(TextField& field, std::string_view raw, Span span) {
    field.present = true;
    field.raw.assign(raw);
    field.value.assign(StripTrailingFillers(raw));
    field.span = span;
  }
  static void SetDate(DateField& field, std::string_view raw, Span span) {
    field.present = true;
    field.raw.assign(raw);
    field.span = span;
  }

  bool CoveredAllFillers(const CheckSpec& spec) const {
    for (int i = 0; i < spec.range_count; ++i) {
      if (!AllFillers(Slice(spec.ranges[i]))) return false;
    }
    return true;
  }

  void Check(const CheckSpec& spec) {
    const char actual =
        mrz_.lines[static_cast<std::size_t>(spec.line)][static_cast<std::size_t>(spec.pos)];
    const Span span{spec.line + 1, spec.pos + 1, spec.pos + 1};
    const char* field = internal::FieldName(spec.guards);
    const internal::Overflow overflow = internal::AnalyseOverflow(*layout_, mrz_.lines, spec);
    if (overflow.active) {
      CheckOverflow(overflow, span);
      return;
    }
    const int expected = internal::ComputeExpected(mrz_.lines, spec);
    CheckDigitResult result{
        field, expected < 0 ? '\0' : static_cast<char>('0' + expected), actual, false, span, {}};
    // Part 3 §4.9: a check digit is a digit; '<' (read as 0) is accepted only
    // where the field it protects is all fillers.
    if (actual == '<' && CoveredAllFillers(spec)) {
      result.ok = true;
    } else if (internal::IsDigit(actual)) {
      result.ok = expected >= 0 && actual - '0' == expected;
      if (!result.ok && expected >= 0) MismatchError(field, actual, result.expected, span);
    } else {
      Add(Severity::kError, field, "invalid_check_digit",
          std::string(field) + ": check digit '" + actual + "' is not a digit", span,
          result.expected);
    }
    mrz_.checks.push_back(std::move(result));
  }

  void MismatchError(const char* field, char actual, char expected, Span span,
                     const std::string& extra = {}) {
    Add(Severity::kError, field, "check_digit_mismatch",
        std::string(field) + ": invalid check digit " + actual + "; must be " + expected + extra,
        span, expected);
  }

  // TD1/TD2 long document number (Part 5 note j): a '<' in the check-digit
  // position, the rest of the number plus its check digit at the start of the
  // optional data, then a '<'. Issuers differ on whether that '<' is part of
  // the computation; both variants are accepted (icao-9303-mrz.md §4).
  void CheckOverflow(const internal::Overflow& o, Span filler_span) {
    mrz_.document_number_overflow = true;
    if (o.empty) {
      Add(Severity::kError, "document_number", "document_number_overflow_empty",
          "document_number: '<' in the check-digit position announces a long number, but the "
          "optional data holds none",
          filler_span);
      mrz_.checks.push_back(
          CheckDigitResult{"document_number", 0, '<', false, filler_span, "overflow"});
      return;
    }
    const int line_no = layout_->overflow_line + 1;
    const int col = static_cast<int>(o.digit_pos) + 1;
    const Span span{line_no, col, col};
    mrz_.document_number.value.assign(o.first);
    mrz_.document_number.value.append(o.remainder);

    // The optional data proper follows the '<' that ends the continuation.
    const std::string& line = mrz_.lines[static_cast<std::size_t>(layout_->overflow_line)];
    const std::size_t limit = static_cast<std::size_t>(layout_->overflow_end);
    const std::size_t opt_start = std::min(o.digit_pos + 2, limit);
    TextField& opt = mrz_.optional_data;
    opt.raw = line.substr(opt_start, limit - opt_start);
    opt.value.assign(StripTrailingFillers(opt.raw));
    opt.span = opt_start < limit ? MakeSpan(layout_->overflow_line, static_cast<int>(opt_start),
                                            static_cast<int>(limit - opt_start))
                                 : Span{line_no, 0, 0};

    auto as_char = [](int v) { return v < 0 ? '\0' : static_cast<char>('0' + v); };
    const char a = as_char(o.variant_a);
    const char b = as_char(o.variant_b);
    CheckDigitResult result{"document_number", a, o.digit, false, span, "overflow"};
    if (!internal::IsDigit(o.digit)) {
      Add(Severity::kError, "document_number", "invalid_check_digit",
          std::string("document_number: check digit '") + o.digit + "' is not a digit", span, a);
    } else if (a != '\0' && o.digit == a) {
      result.ok = true;
    } else if (b != '\0' && o.digit == b) {
      result.ok = true;
      result.expected = b;
      result.variant = "overflow_with_filler";
    } else if (a != '\0') {
      MismatchError("document_number", o.digit, a, span,
                    std::string(" (or ") + b + " with the filler at position " +
                        std::to_string(filler_span.start) + " included)");
    }
    mrz_.checks.push_back(std::move(result));
  }

  void ValidateDocumentCode() {
    const std::string& code = mrz_.document_code.raw;
    const Span span = mrz_.document_code.span;
    if (!internal::IsLetter(code[0]) || !(internal::IsLetter(code[1]) || code[1] == '<')) {
      Add(Severity::kError, "document_code", "invalid_document_code",
          "document_code '" + code + "' must be a letter followed by a letter or '<'", span);
      return;
    }
    std::string_view allowed;
    switch (mrz_.format) {
      case MrzFormat::kTd3:
        allowed = "P";
        break;
      case MrzFormat::kTd1:
      case MrzFormat::kTd2:
        allowed = "ACI";
        break;
      case MrzFormat::kMrvA:
      case MrzFormat::kMrvB:
        allowed = "V";
        break;
      case MrzFormat::kFrenchId:
        allowed = "I";
        break;
      case MrzFormat::kUnknown:
        break;
    }
    // Real issuers break these conventions (TD3-size 'I' cards, TD2-size
    // 'P' documents), so a mismatch is worth a warning, not a rejection.
    if (allowed.find(code[0]) == std::string_view::npos ||
        (mrz_.format == MrzFormat::kTd1 && code[1] == 'V')) {
      Add(Severity::kWarning, "document_code", "unexpected_document_code",
          "document_code '" + code + "' is unusual for the " + FormatName(mrz_.format) + " layout",
          span);
    }
  }

  void ValidateCountry(const TextField& field, const char* name) {
    if (!field.present) return;
    const std::string& value = field.value;
    const bool shaped =
        !value.empty() && std::all_of(value.begin(), value.end(), internal::IsLetter);
    if (!shaped) {
      Add(Severity::kError, name, "invalid_country_code",
          std::string(name) + " '" + field.raw + "' is not a code of 1-3 letters padded with '<'",
          field.span);
      return;
    }
    const CountryCode* code = FindCountryCode(value);
    if (code == nullptr) {
      Add(Severity::kError, name, "unknown_country_code",
          std::string(name) + " '" + value + "' is not an ICAO 9303 country code", field.span);
    } else if (code->category == CodeCategory::kSpecimen && !options_.allow_specimens) {
      Add(Severity::kError, name, "specimen_country_code",
          std::string(name) + " '" + value +
              "' is the ICAO specimen state; allow specimens to accept it",
          field.span);
    } else if (code->category == CodeCategory::kNonIcao) {
      Add(options_.strict ? Severity::kError : Severity::kWarning, name, "non_icao_country_code",
          std::string(name) + " '" + value + "' is used by some issuers but not listed by ICAO",
          field.span);
    }
  }

  void ValidateDate(DateField& date, const char* name, bool is_expiry) {
    if (!date.present) return;
    const std::string& raw = date.raw;
    int parts[3] = {-1, -1, -1};  // YY, MM, DD; -1 unknown
    bool bad = false;
    for (int i = 0; i < 3; ++i) {
      const char hi = raw[static_cast<std::size_t>(2 * i)];
      const char lo = raw[static_cast<std::size_t>(2 * i + 1)];
      if (internal::IsDigit(hi) && internal::IsDigit(lo)) {
        parts[i] = (hi - '0') * 10 + (lo - '0');
      } else if (!(hi == '<' && lo == '<')) {
        bad = true;
      }
    }
    if (bad) {
      date.state = DateField::State::kInvalid;
      Add(Severity::kError, name, "invalid_date",
          std::string(name) + " '" + raw +
              "' is not a YYMMDD date (digits, or '<<' for an unknown part)",
          date.span);
      return;
    }
    if (parts[0] < 0 && parts[1] < 0 && parts[2] < 0) {
      date.state = is_expiry ? DateField::State::kNoExpiry : DateField::State::kUnknown;
      return;
    }
    if (parts[0] >= 0) date.year = ResolveCentury(parts[0], parts[1], parts[2], is_expiry);
    if (parts[1] >= 0) date.month = parts[1];
    if (parts[2] >= 0) date.day = parts[2];
    std::string problem;
    if (parts[1] >= 0 && (parts[1] < 1 || parts[1] > 12)) {
      problem = "month " + raw.substr(2, 2) + " is not 01-12";
    } else if (parts[2] >= 0) {
      const int max_day = parts[1] >= 0 ? DaysInMonth(date.year.value_or(2000), parts[1]) : 31;
      if (parts[2] < 1 || parts[2] > max_day) {
        problem = "day " + raw.substr(4, 2) + " does not exist in that month";
      }
    }
    if (!problem.empty()) {
      date.state = DateField::State::kInvalid;
      date.year.reset();
      date.month.reset();
      date.day.reset();
      Add(Severity::kError, name, "invalid_date", std::string(name) + " '" + raw + "': " + problem,
          date.span);
      return;
    }
    date.state = parts[0] >= 0 && parts[1] >= 0 && parts[2] >= 0 ? DateField::State::kComplete
                                                                 : DateField::State::kPartial;
  }

  // Part 3 leaves the century open. Birth: the latest century that is not in
  // the future; expiry: 20YY unless that is more than the window ahead
  // (icao-9303-mrz.md §5: 961210 -> 1996, 700601 -> 2070).
  int ResolveCentury(int yy, int mm, int dd, bool is_expiry) const {
    const int candidate = 2000 + yy;
    if (is_expiry) {
      return candidate > options_.today.year + options_.expiry_window_years ? 1900 + yy : candidate;
    }
    const CivilDate probe{candidate, mm > 0 ? mm : 1, dd > 0 ? dd : 1};
    return probe > options_.today ? 1900 + yy : candidate;
  }

  void ValidateSex() {
    if (!mrz_.sex.present) return;
    const char sex = mrz_.sex.raw[0];
    if (sex == 'M' || sex == 'F' || sex == '<') return;
    if (sex == 'X') {
      // 'X' belongs in the visual zone; issuers print it in the MRZ too.
      if (options_.strict) {
        Add(Severity::kError, "sex", "sex_x_in_mrz",
            "sex 'X' is not an MRZ value in ICAO 9303 (strict mode); '<' means unspecified",
            mrz_.sex.span);
      }
      return;
    }
    Add(Severity::kError, "sex", "invalid_sex",
        std::string("sex '") + sex + "' must be M, F, X or '<'", mrz_.sex.span);
  }

  void ValidateName() {
    NameField& name = mrz_.name;
    std::string_view zone = name.raw;
    if (mrz_.format == MrzFormat::kFrenchId) {
      // Surname on line 1; given names on line 2, groups split by "<<".
      name.primary_identifier = NameText(zone);
      name.secondary_identifier = NameText(secondary_zone_);
      name.truncated =
          internal::IsLetter(zone.back()) || internal::IsLetter(secondary_zone_.back());
    } else {
      const std::size_t split = zone.find("<<");
      name.primary_identifier = NameText(zone.substr(0, split));
      if (split != std::string_view::npos)
        name.secondary_identifier = NameText(zone.substr(split + 2));
      // A full zone that ends in a letter may have been cut (Part 3 §4.6).
      name.truncated = zone.back() != '<';
    }
    if (name.truncated) {
      Add(Severity::kWarning, "primary_identifier", "name_truncated",
          "the name fills its zone and may have been truncated by the issuer", name.span);
    }
    if (name.primary_identifier.empty() && name.secondary_identifier.empty()) {
      Add(Severity::kWarning, "primary_identifier", "empty_name", "the name zone is empty",
          name.span);
    }
    auto has_digit = [](std::string_view s) {
      return std::any_of(s.begin(), s.end(), internal::IsDigit);
    };
    if (has_digit(zone) || has_digit(secondary_zone_)) {
      Add(options_.strict ? Severity::kError : Severity::kWarning, "primary_identifier",
          "digit_in_name", "the name holds digits, which ICAO 9303 does not allow in names",
          name.span);
    }
  }

  Mrz& mrz_;
  const ParseOptions& options_;
  const Layout* layout_ = nullptr;
  std::string_view secondary_zone_;
  bool line_has_invalid_[3] = {false, false, false};  // layouts have at most 3 lines
};

}  // namespace

namespace {
Result<Mrz> ParseNormalized(std::vector<std::string> lines, const ParseOptions& options) {
  if (!options.today.IsValid()) {
    return Error{ErrorCode::kInvalidInput, "ParseOptions::today is not a valid date"};
  }
  SplitUnbroken(lines);
  if (lines.empty()) return Error{ErrorCode::kInvalidInput, "no MRZ text given"};
  Result<Mrz> result(std::in_place);
  Mrz& mrz = result.value();
  mrz.lines = std::move(lines);
  Parser(mrz, options).Run();
  return result;
}
}  // namespace

Result<Mrz> ParseMrzLines(const std::vector<std::string>& lines, const ParseOptions& options) {
  std::vector<std::string> trimmed;
  trimmed.reserve(lines.size());
  for (std::string_view line : lines) {
    line = Trim(line);
    if (!line.empty()) trimmed.emplace_back(line);
  }
  return ParseNormalized(std::move(trimmed), options);
}

Result<Mrz> ParseMrz(std::string_view text, const ParseOptions& options) {
  return ParseNormalized(SplitLines(text), options);
}

}  // namespace tdv::mrz
