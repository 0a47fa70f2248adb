// SPDX-License-Identifier: Apache-2.0
// Stage 4 of the MRZ reader: grammar score of a reading, cue reporting.
#include "mrz_decide.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <tuple>

#include "mrz_crnn.h"
#include "mrz_glyphs.h"
#include "tdv/mrz/check_digit.h"
#include "tdv/mrz/country_codes.h"
#include "tdv/mrz/mrz.h"

namespace tdv::vision::internal {
namespace {

// The lines parsed for their structure alone: specimens allowed, and a fixed
// date, since only validity matters here (the century rule needs some date).
Result<mrz::Mrz> ParseStructure(const std::vector<std::string>& lines) {
  mrz::ParseOptions options;
  options.today = mrz::CivilDate{2100, 1, 1};
  options.allow_specimens = true;
  return mrz::ParseMrzLines(lines, options);
}

}  // namespace

bool StrayRow(const std::vector<std::size_t>& counts, std::size_t i) {
  if (counts[i] < kShortestLine || counts[i] > kLongestLine) return true;
  if (counts.size() != 3) return false;
  const std::size_t n1 = counts[(i + 1) % 3], n2 = counts[(i + 2) % 3];
  const auto off = [](std::size_t x, std::size_t y) { return 4 * (x > y ? x - y : y - x) > y; };
  if (off(n1, n2)) return false;
  return off(counts[i], std::max(n1, n2)) || std::min(n1, n2) > kCardLine;
}

std::optional<double> GrammarScore(const std::vector<std::string>& lines) {
  auto parsed = ParseStructure(lines);
  if (!parsed || parsed->format == mrz::MrzFormat::kUnknown) return std::nullopt;
  const mrz::Mrz& m = *parsed;
  int checks_ok = 0;
  for (const auto& c : m.checks) checks_ok += c.ok ? 1 : 0;
  auto known = [](const mrz::TextField& f) {
    std::string code = f.raw;
    while (!code.empty() && code.back() == '<') code.pop_back();
    return !code.empty() && mrz::FindCountryCode(code) != nullptr;
  };
  const bool state_known = known(m.issuing_state);
  const bool nationality_known = known(m.nationality);
  // Doc 9303 Part 4-7: the first character names the kind of document.
  const char kind = lines.front().empty() ? '?' : lines.front()[0];
  const bool kind_known = std::string_view("PIACV").find(kind) != std::string_view::npos;
  auto date_ok = [](const mrz::DateField& d) {
    return d.present && d.state != mrz::DateField::State::kInvalid;
  };
  const int dates_ok = int(date_ok(m.birth_date)) + int(date_ok(m.expiry_date));
  // Evidence that this is an MRZ at all. Lines of look-alikes ("DDDD0D<...",
  // read from the wrong band or upside down) meet one check digit by chance
  // one time in ten, but not the codes and dates as well; and a reading
  // "repaired" until its check digits hold shows at most one plausible code,
  // date or sex among six.
  const int evidence =
      checks_ok + int(state_known) + int(nationality_known) + int(kind_known) + dates_ok;
  const bool sex_ok = m.sex.raw.size() == 1 &&
                      std::string_view("MFX<").find(m.sex.raw[0]) != std::string_view::npos;
  const int structure =
      int(state_known) + int(nationality_known) + int(kind_known) + dates_ok + int(sex_ok);
  if (evidence < 3 || structure < 2) return std::nullopt;
  int letters_in_name = 0, others_in_name = 0;
  for (char c : m.name.raw) {
    if (c == '<') continue;
    (std::isupper(static_cast<unsigned char>(c)) != 0 ? letters_in_name : others_in_name) += 1;
  }
  double score = 2.0 * checks_ok - 1.0 * double(m.checks.size() - std::size_t(checks_ok));
  score += 1.5 * (int(state_known) + int(nationality_known) + int(kind_known)) + dates_ok;
  score -= 0.5 * others_in_name;
  score -= 0.25 * double(m.errors.size());
  return score;
}

double ReadingQuality(double grammar, bool checks_satisfied, const std::vector<float>& line_conf,
                      const std::vector<std::vector<float>>& char_conf, bool calibrated) {
  double mean = 0;
  for (float c : line_conf) mean += c;
  double quality = grammar + (checks_satisfied ? 10.0 : 0.0) +
                   mean / double(std::max<std::size_t>(1, line_conf.size()));
  if (!calibrated) return quality;
  // How likely the model finds the reading chosen (the log-probability of
  // its characters) is set against the check digits: one that holds by
  // chance does so one time in ten, worth log 10 = 2.3, a grammar score of
  // 2. Text read upside down, or a band of other print, can be repaired into
  // an MRZ whose check digits hold from its many doubtful characters'
  // alternatives; the model finds such a reading unlikely by far more than
  // the digits earn. (A mean probability instead let a guilloche band
  // repaired valid outscore a card printed with a wrong check digit.)
  double log_likelihood = 0;
  for (const auto& line : char_conf) {
    for (float c : line) log_likelihood += std::log(std::max(double(c), 1e-3));
  }
  return quality + 10.0 + log_likelihood;
}

void ReportCues(const std::vector<std::vector<const OcrSymbol*>>& origins,
                mrz::RepairResult& result) {
  auto& repairs = result.repairs;
  for (std::size_t l = 0; l < origins.size(); ++l) {
    for (std::size_t p = 0; p < origins[l].size(); ++p) {
      const OcrSymbol* o = origins[l][p];
      if (o == nullptr || o->cue == nullptr) continue;
      const int line = static_cast<int>(l) + 1, position = static_cast<int>(p) + 1;
      const char chosen = result.lines[l][p];
      auto it = std::find_if(repairs.begin(), repairs.end(), [&](const mrz::CharRepair& r) {
        return r.line == line && r.position == position;
      });
      if (chosen == o->read) {
        if (it != repairs.end()) repairs.erase(it);
      } else if (it != repairs.end()) {
        it->from = o->read;
      } else {
        repairs.push_back(
            {line, position, o->read, chosen, mrz::FieldAt(result.format, line, position), o->cue});
      }
    }
  }
  std::sort(repairs.begin(), repairs.end(), [](const mrz::CharRepair& a, const mrz::CharRepair& b) {
    return std::tie(a.line, a.position) < std::tie(b.line, b.position);
  });
}

mrz::RepairOptions ImageRepairOptions() {
  mrz::RepairOptions o;
  o.max_substitutions_per_check = 1;
  o.search_look_alikes = false;
  return o;
}

mrz::RepairOptions CalibratedRepairOptions() {
  mrz::RepairOptions o = ImageRepairOptions();
  o.search_pairs = "O0";
  return o;
}

namespace {

// A check digit that holds confirms one doubtful character in its field
// (Doc 9303: it detects any single substitution), unless the classifier's
// runner-up there weighs the same as the character read (S/8, U/0 ...): that
// swap leaves the digit unchanged. Two doubtful characters in one field stay
// doubtful: some pair of substitutions satisfies the digit one time in ten.
void ConfirmByCheckDigits(const std::vector<SlotOpinions>& opinions, mrz::RepairResult& result) {
  const auto parsed = ParseStructure(result.lines);
  if (!parsed) return;
  for (const mrz::CheckDigitResult& check : parsed->checks) {
    if (!check.ok || check.field == "composite") continue;
    std::vector<std::size_t> doubtful;
    bool other_reason = false;
    for (std::size_t i = 0; i < result.uncertain.size(); ++i) {
      const auto& u = result.uncertain[i];
      if (u.field != check.field) continue;
      if (u.reason != "low_confidence") other_reason = true;
      doubtful.push_back(i);
    }
    if (doubtful.size() != 1 || other_reason) continue;
    const auto& u = result.uncertain[doubtful[0]];
    if (!mrz::CoveredByOwnCheck(result.format, u.line, u.position)) continue;
    const auto& opinion =
        opinions[static_cast<std::size_t>(u.line - 1)][static_cast<std::size_t>(u.position - 1)];
    const char read =
        result
            .lines[static_cast<std::size_t>(u.line - 1)][static_cast<std::size_t>(u.position - 1)];
    bool equal_weight_rival = false;
    for (const char* c = kGlyphAlphabet; *c != 0; ++c) {
      if (*c != read && mrz::EqualWeight(*c, read) && OpinionOf(opinion, *c) >= kEqualWeightRival)
        equal_weight_rival = true;
    }
    if (!equal_weight_rival)
      result.uncertain.erase(result.uncertain.begin() + static_cast<std::ptrdiff_t>(doubtful[0]));
  }
}

// The glyph classifier's best opinion of a character other than `chosen`
// among those the position's field allows.
float RunnerUp(const std::vector<float>& opinion, mrz::MrzFormat format, int line, int position,
               char chosen) {
  float best = 0;
  for (char c : mrz::AllowedAt(format, line, position)) {
    if (c != chosen) best = std::max(best, OpinionOf(opinion, c));
  }
  return best;
}

// Whether the position lies in a state code (issuing state, nationality)
// that is an ICAO 9303 code and that no character the glyph classifier
// rates at least kEqualWeightRival there would turn into another code.
bool CodeStandsAlone(const std::vector<float>& opinion, const mrz::RepairResult& result, int line,
                     int position) {
  const std::string field = mrz::FieldAt(result.format, line, position);
  if (field != "issuing_state" && field != "nationality") return false;
  const std::string& text = result.lines[static_cast<std::size_t>(line - 1)];
  int first = position, last = position;
  while (first > 1 && mrz::FieldAt(result.format, line, first - 1) == field) --first;
  while (last < static_cast<int>(text.size()) &&
         mrz::FieldAt(result.format, line, last + 1) == field)
    ++last;
  const auto code_of = [&](std::string s) {
    s = s.substr(static_cast<std::size_t>(first - 1), static_cast<std::size_t>(last - first + 1));
    while (!s.empty() && s.back() == '<') s.pop_back();
    return s;
  };
  const std::string code = code_of(text);
  if (code.empty() || mrz::FindCountryCode(code) == nullptr) return false;
  const char chosen = text[static_cast<std::size_t>(position - 1)];
  for (char c : mrz::AllowedAt(result.format, line, position)) {
    if (c == chosen || OpinionOf(opinion, c) < kEqualWeightRival) continue;
    std::string other = text;
    other[static_cast<std::size_t>(position - 1)] = c;
    const std::string rival = code_of(other);
    if (!rival.empty() && mrz::FindCountryCode(rival) != nullptr) return false;
  }
  return true;
}

}  // namespace

void MarkUnsure(const std::vector<SlotOpinions>& opinions,
                const std::vector<std::vector<float>>& confidence,
                const std::vector<std::string>& raw, mrz::RepairResult& result) {
  const auto raw_of = [&](std::size_t l, std::size_t p) {
    return l < raw.size() && p < raw[l].size() ? raw[l][p] : '\0';
  };
  for (std::size_t l = 0; l < confidence.size(); ++l) {
    for (std::size_t p = 0; p < confidence[l].size(); ++p) {
      const int line = static_cast<int>(l) + 1, position = static_cast<int>(p) + 1;
      const char chosen = result.lines[l][p];
      const std::string field = mrz::FieldAt(result.format, line, position);
      // Fields a check digit covers (optional data: the composite); in the
      // others a swap is the classifiers' call alone, weighed below.
      const bool checked = mrz::CoveredByOwnCheck(result.format, line, position) ||
                           field.starts_with("optional_data");
      const bool changed = raw_of(l, p) != '\0' && raw_of(l, p) != chosen;
      if (checked && changed && mrz::EqualWeight(raw_of(l, p), chosen)) {
        mrz::AddUncertain(result, {line, position, field, "ambiguous"});
        continue;
      }
      // The glyph classifier overruling Tesseract is a change like any
      // repair's: where no check digit of the field's own can confirm it (a
      // name, a code, the sex) the reading depends on it, unless the glyph
      // classifier is firm (the character at kOverruleFirm or more, what
      // Tesseract read at kOverruledRival or less). On the development set
      // 17 exact readings otherwise sure hold such a change, none of them
      // held back by these thresholds; a generated visa's name "PITF", read
      // "PDTK" by two changes that were not firm, is.
      if (changed && !mrz::CoveredByOwnCheck(result.format, line, position) &&
          (OpinionOf(opinions[l][p], chosen) < kOverruleFirm ||
           OpinionOf(opinions[l][p], raw_of(l, p)) > kOverruledRival)) {
        mrz::AddUncertain(result, {line, position, field, "unconfirmed_change"});
        continue;
      }
      const float own = confidence[l][p];
      const float second = OpinionOf(opinions[l][p], result.lines[l][p]);
      // No opinion (a slot off the line) counts as no confirmation.
      bool rival = second < kGlyphAgrees;
      if (rival && second > 0) {
        // Among the characters the field allows (a narrow round glyph in a
        // name is an O, whatever 0 it resembles), a clear first place is
        // agreement too.
        float runner_up = 0;
        bool first = true;
        for (char c : mrz::AllowedAt(result.format, line, position)) {
          if (c == result.lines[l][p]) continue;
          const float q = OpinionOf(opinions[l][p], c);
          runner_up = std::max(runner_up, q);
          first = first && q < second;
        }
        rival = !(first && second >= kGlyphLeads * runner_up);
      }
      if (own >= kLowConfidence && !rival) continue;
      // Both classifiers read the same, the glyph classifier with no doubt:
      // a faint print Tesseract rates low is still read.
      if (raw_of(l, p) == chosen && own >= kFaintButAgreed && second >= kGlyphCertain &&
          RunnerUp(opinions[l][p], result.format, line, position, chosen) <= kGlyphNoRival)
        continue;
      // A state code that no likely rival character would turn into another
      // code is confirmed by the list of codes.
      if (own >= kLowConfidence && CodeStandsAlone(opinions[l][p], result, line, position))
        continue;
      mrz::AddUncertain(
          result, {line, position, mrz::FieldAt(result.format, line, position), "low_confidence"});
    }
  }
  ConfirmByCheckDigits(opinions, result);
}

// The characters the format admits at a position where it admits few: a
// document code's first letter (Doc 9303: A, C or I on a card, P on a
// passport, V on a visa) and the positions of digits only (dates, check
// digits: digits and `<`). Elsewhere "" (letters and digits, or the letters
// of a name, which are read on the model's word).
static std::string Admitted(mrz::MrzFormat format, int line, int position) {
  using F = mrz::MrzFormat;
  if (line == 1 && position == 1) {
    switch (format) {
      case F::kTd1:
      case F::kTd2:
      case F::kFrenchId:
        return "ACI";
      case F::kTd3:
        return "P";
      case F::kMrvA:
      case F::kMrvB:
        return "V";
      default:
        return "";
    }
  }
  std::string allowed = mrz::AllowedAt(format, line, position);
  if (std::any_of(allowed.begin(), allowed.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return "";
  return allowed;
}

void MarkUnsureCalibrated(const std::vector<SlotOpinions>& opinions, float sure,
                          const std::vector<std::string>& raw, mrz::RepairResult& result) {
  for (std::size_t l = 0; l < result.lines.size() && l < opinions.size(); ++l) {
    for (std::size_t p = 0; p < result.lines[l].size(); ++p) {
      const int line = static_cast<int>(l) + 1, position = static_cast<int>(p) + 1;
      const char chosen = result.lines[l][p];
      const char read = l < raw.size() && p < raw[l].size() ? raw[l][p] : '\0';
      const std::string field = mrz::FieldAt(result.format, line, position);
      // A change between characters of equal weight: no check digit can
      // have chosen it.
      if (read != '\0' && read != chosen && mrz::EqualWeight(read, chosen)) {
        mrz::AddUncertain(result, {line, position, field, "ambiguous"});
        continue;
      }
      // A check digit's choice of a character the model left no room for
      // (CalibratedRepairOptions: a round 0 the model reads O): the model is
      // sure of something else, so the reading depends on the check digit
      // alone, which a misread elsewhere in the field or a misprinted digit
      // satisfies one time in ten. A change the field's type forces is not
      // the check digit's choice.
      if (read != '\0' && read != chosen && p < opinions[l].size() &&
          OpinionOf(opinions[l][p], chosen) < kCrnnRival &&
          mrz::AllowedAt(result.format, line, position).find(read) != std::string::npos) {
        mrz::AddUncertain(result, {line, position, field, "unconfirmed_change"});
        continue;
      }
      // A letter where the format admits only digits (a date, a check
      // digit) is never sure, however sure the model is: a misread digit,
      // or print the officer must see (read as printed, the MRZ is invalid
      // either way; "reading: pass" under it claimed the character was read
      // right). Not so where issuers print what Doc 9303 does not foresee
      // (a card's second code letter `1`, a first letter `E`).
      if (const std::string admitted = Admitted(result.format, line, position);
          !(line == 1 && position == 1) && !admitted.empty() &&
          admitted.find(chosen) == std::string::npos) {
        mrz::AddUncertain(result, {line, position, field, "low_confidence"});
        continue;
      }
      const float q = p < opinions[l].size() ? OpinionOf(opinions[l][p], chosen) : -1.0f;
      if (q >= sure) continue;
      // Where the format admits digits only (dates, check digits), the
      // model's weight on letters is no rival: the character is sure when
      // it takes `sure` of the weight on what may stand there (a round 0
      // the model splits between `0` and `O`).
      if (q > 0) {
        const std::string admitted = Admitted(result.format, line, position);
        if (admitted.find(chosen) != std::string::npos) {
          float mass = 0;
          for (char c : admitted) mass += OpinionOf(opinions[l][p], c);
          if (q >= sure * mass) continue;
        }
      }
      mrz::AddUncertain(result, {line, position, field, "low_confidence"});
    }
  }
  ConfirmByCheckDigits(opinions, result);
}

}  // namespace tdv::vision::internal
