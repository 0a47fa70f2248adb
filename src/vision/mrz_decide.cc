// SPDX-License-Identifier: Apache-2.0
// Stage 4 of the MRZ reader: grammar score of a reading, cue reporting.
#include "mrz_decide.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <tuple>

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

}  // namespace

void MarkUnsure(const std::vector<SlotOpinions>& opinions,
                const std::vector<std::vector<float>>& confidence,
                const std::vector<std::string>& raw, mrz::RepairResult& result) {
  for (std::size_t l = 0; l < confidence.size(); ++l) {
    for (std::size_t p = 0; p < confidence[l].size(); ++p) {
      const int line = static_cast<int>(l) + 1, position = static_cast<int>(p) + 1;
      const char chosen = result.lines[l][p];
      const std::string field = mrz::FieldAt(result.format, line, position);
      // Fields a check digit covers (optional data: the composite); in the
      // others a swap is the classifiers' call alone, weighed below.
      const bool checked = mrz::CoveredByOwnCheck(result.format, line, position) ||
                           field.starts_with("optional_data");
      if (checked && l < raw.size() && p < raw[l].size() && raw[l][p] != chosen &&
          mrz::EqualWeight(raw[l][p], chosen)) {
        mrz::AddUncertain(result, {line, position, field, "ambiguous"});
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
      mrz::AddUncertain(
          result, {line, position, mrz::FieldAt(result.format, line, position), "low_confidence"});
    }
  }
  ConfirmByCheckDigits(opinions, result);
}

}  // namespace tdv::vision::internal
