// SPDX-License-Identifier: Apache-2.0
#include "tdv/verify/verifier.h"

#include <chrono>
#include <utility>

#include "policy_rules.h"
#include "tdv/vision/seal_reader.h"

namespace tdv::verify {

const char* VerdictName(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::kClear:
      return "clear";
    case Verdict::kReject:
      return "reject";
    case Verdict::kReview:
      return "review";
  }
  return "review";
}

const char* CheckStatusName(CheckStatus status) noexcept {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kNotRun:
      return "not_run";
    case CheckStatus::kUnavailable:
      return "unavailable";
    case CheckStatus::kReview:
      return "review";
  }
  return "not_run";
}

mrz::CivilDate TodayUtc() {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(system_clock::now())};
  return mrz::CivilDate{static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                        static_cast<int>(unsigned(ymd.day()))};
}

Verifier::Verifier(VerifierConfig config) : config_(std::move(config)) {
  if (!config_.today) config_.today = TodayUtc;
}

namespace {

std::string FirstErrors(const mrz::Mrz& m) {
  std::string out;
  for (std::size_t i = 0; i < m.errors.size() && i < 3; ++i) {
    if (!out.empty()) out += "; ";
    out += m.errors[i].message;
  }
  if (m.errors.size() > 3) out += "; and " + std::to_string(m.errors.size() - 3) + " more";
  return out;
}

// The validation time for certificates: noon UTC on `as_of` when the request
// fixes the day, else now.
std::time_t ValidationTime(const VerifyOptions& o) {
  if (!o.as_of) return std::time(nullptr);
  using namespace std::chrono;
  const sys_days day =
      year_month_day{year{o.as_of->year}, month{static_cast<unsigned>(o.as_of->month)},
                     std::chrono::day{static_cast<unsigned>(o.as_of->day)}};
  return system_clock::to_time_t(day + hours{12});
}

// The printed MRZ as one string without line breaks.
std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// A seal's MRZ against the printed one: every line equal, except that a visa
// seal keeps only the first 28 characters of line 2.
bool SealMrzMatches(const std::string& seal_mrz, const std::vector<std::string>& printed,
                    bool visa) {
  std::vector<std::string> lines = SplitLines(seal_mrz);
  if (lines.size() != printed.size()) return false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string want = visa && i == 1 ? printed[i].substr(0, 28) : printed[i];
    if (lines[i] != want) return false;
  }
  return true;
}

// The MRZ a seal carries, as the document prints it: a visa seal keeps line
// 2 up to its 28th character (the rest is optional data no check digit
// covers), so the line is filled out with fillers to line 1's length.
std::string SealMrzText(const sig::VdsSeal& seal) {
  std::vector<std::string> lines = SplitLines(seal.mrz);
  if (seal.profile == "visa" && lines.size() == 2 && lines[1].size() < lines[0].size())
    lines[1].resize(lines[0].size(), '<');
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

void Verifier::CheckSeal(const VerifyRequest& request, VerificationReport& report,
                         std::optional<sig::SealVerification> verified) const {
  SealReport seal;
  std::vector<std::uint8_t> bytes = request.seal;
  seal.source = "request";
  if (bytes.empty()) {
    if (request.image.empty() || !config_.find_seals_in_images) return;
    auto found = vision::FindDataMatrix(request.image);
    if (!found || found->symbols.empty()) return;  // most documents carry no seal
    const vision::DataMatrixSymbol* pick = &found->symbols.front();
    for (const auto& sym : found->symbols) {
      if (!sym.bytes.empty() && sym.bytes[0] == 0xDC) pick = &sym;
    }
    bytes = pick->bytes;
    seal.source = "image";
    seal.polygon = pick->polygon;
  }
  if (verified) {
    seal.verification = std::move(*verified);
  } else {
    auto anchors = config_.trust ? config_.trust() : nullptr;
    seal.verification = sig::VerifySeal(bytes, anchors.get(), ValidationTime(request.options));
  }
  const sig::SealVerification& v = seal.verification;
  const std::string status = sig::SealStatusName(v.status);
  switch (v.status) {
    case sig::SealStatus::kValid:
      report.checks.push_back({"seal", CheckStatus::kPass, "signed by " + v.signer->subject});
      break;
    case sig::SealStatus::kUnknownSigner:
    case sig::SealStatus::kRevocationUnknown:
      report.checks.push_back({"seal", CheckStatus::kUnavailable, v.detail});
      report.reasons.push_back(
          {"seal_" + status, "the seal's signature could not be verified: " + v.detail});
      break;
    case sig::SealStatus::kUnsigned:
      report.checks.push_back({"seal", CheckStatus::kReview, v.detail});
      report.reasons.push_back({"seal_unsigned", "the seal carries no signature"});
      break;
    default:
      report.checks.push_back({"seal", CheckStatus::kFail, status + ": " + v.detail});
      report.reasons.push_back({"seal_" + status, "the seal is not genuine: " + v.detail});
      break;
  }
  if (v.seal && !v.seal->mrz.empty() && !report.mrz.lines.empty() && report.mrz_source != "seal") {
    seal.mrz_match = SealMrzMatches(v.seal->mrz, report.mrz.lines, v.seal->profile == "visa");
    if (!*seal.mrz_match) {
      report.checks.push_back(
          {"seal_mrz", CheckStatus::kFail, "the seal's MRZ differs from the printed MRZ"});
      report.reasons.push_back(
          {"seal_mrz_mismatch", "the MRZ in the seal differs from the printed MRZ"});
    } else {
      report.checks.push_back(
          {"seal_mrz", CheckStatus::kPass, "the seal's MRZ equals the printed MRZ"});
    }
  }
  if (v.seal && !v.seal->passport_number.empty() && !request.passport_number.empty()) {
    std::string given = request.passport_number;
    seal.passport_match = v.seal->passport_number == given;
    if (!*seal.passport_match) {
      report.checks.push_back(
          {"seal_passport", CheckStatus::kFail,
           "the seal names passport " + v.seal->passport_number + ", not " + given});
      report.reasons.push_back(
          {"seal_passport_mismatch",
           "the visa seal was issued for passport " + v.seal->passport_number + ", not " + given});
    } else {
      report.checks.push_back(
          {"seal_passport", CheckStatus::kPass, "the seal names the passport presented"});
    }
  }
  report.seal = std::move(seal);
}

void Verifier::CheckChip(const VerifyRequest& request, VerificationReport& report) const {
  ChipReport chip;
  auto anchors = config_.trust ? config_.trust() : nullptr;
  chip.verification =
      sig::VerifyChip(*request.chip, anchors.get(), ValidationTime(request.options));
  const sig::ChipVerification& v = chip.verification;
  const std::string status = sig::ChipStatusName(v.status);
  switch (v.status) {
    case sig::ChipStatus::kValid:
      report.checks.push_back(
          {"chip", CheckStatus::kPass,
           std::string(request.chip->card_security ? "EF.CardSecurity" : "EF.SOD") + " signed by " +
               v.signer->subject});
      break;
    case sig::ChipStatus::kUnknownCsca:
    case sig::ChipStatus::kRevocationUnknown:
      report.checks.push_back({"chip", CheckStatus::kUnavailable, v.detail});
      report.reasons.push_back(
          {"chip_" + status, "the chip data could not be authenticated: " + v.detail});
      break;
    case sig::ChipStatus::kDataGroupsNotRead:
      report.checks.push_back({"chip", CheckStatus::kReview, v.detail});
      report.reasons.push_back(
          {"chip_" + status,
           "EF.SOD is genuine, but without DG1 the chip's data was not compared with it: read "
           "the chip again"});
      break;
    default:
      report.checks.push_back({"chip", CheckStatus::kFail, status + ": " + v.detail});
      report.reasons.push_back({"chip_" + status, "the chip data is not authentic: " + v.detail});
      break;
  }
  if (!v.dg1_mrz.empty() && report.mrz_source != "chip" && !report.mrz.lines.empty()) {
    chip.mrz_match = v.dg1_mrz == Joined(report.mrz.lines);
    if (!*chip.mrz_match) {
      report.checks.push_back({"chip_mrz", CheckStatus::kFail, "DG1 differs from the printed MRZ"});
      report.reasons.push_back(
          {"chip_mrz_mismatch", "the chip's MRZ (DG1) differs from the printed MRZ"});
    } else {
      report.checks.push_back({"chip_mrz", CheckStatus::kPass, "DG1 equals the printed MRZ"});
    }
  }
  report.chip = std::move(chip);
}

void Verifier::CheckLists(VerificationReport& report) const {
  const mrz::Mrz& m = report.mrz;
  if (m.document_number.value.empty() || m.issuing_state.value.empty() ||
      m.document_code.value.empty()) {
    report.checks.push_back(
        {"lists", CheckStatus::kNotRun, "the MRZ gives no document number to look up"});
    report.reasons.push_back(
        {"lists_not_checked", "the lists could not be checked: no document number was read"});
    return;
  }
  lists::ListsCheck c =
      config_.lists->Check({m.issuing_state.value, m.document_code.value, m.document_number.value});
  switch (c.status) {
    case lists::ListsCheck::Status::kClear:
      report.checks.push_back({"lists", CheckStatus::kPass, c.detail});
      break;
    case lists::ListsCheck::Status::kNoLists:
      report.checks.push_back({"lists", CheckStatus::kNotRun, c.detail, config_.require_lists});
      if (config_.require_lists) {
        report.reasons.push_back({"lists_not_checked", "no lost-and-stolen list is loaded"});
      }
      break;
    case lists::ListsCheck::Status::kUnavailable:
      report.checks.push_back({"lists", CheckStatus::kUnavailable, c.detail});
      report.reasons.push_back(
          {"lists_unavailable", "the lost-and-stolen lists could not be consulted: " + c.detail});
      break;
    case lists::ListsCheck::Status::kHit: {
      const lists::ListHit& first = c.hits.front();
      const bool exact = first.kind == lists::ListHit::Kind::kExact;
      const std::string what = std::string(lists::RecordStatusName(first.record.status)) +
                               " in list '" + first.list + "' (" + first.record.issuing_state +
                               " " + first.record.document_type + " " +
                               first.record.document_number + ")";
      if (exact) {
        report.checks.push_back({"lists", CheckStatus::kFail, "listed as " + what});
        report.reasons.push_back({"document_listed", "the document is listed as " + what});
      } else {
        report.checks.push_back({"lists", CheckStatus::kReview, "possible match: " + what});
        report.reasons.push_back(
            {"possible_list_match",
             "a listed document differs only by look-alike characters: " + what});
      }
      break;
    }
  }
  report.lists = std::move(c);
}

const char* PartnerStatusName(PartnerCheck::Status status) noexcept {
  switch (status) {
    case PartnerCheck::Status::kClear:
      return "clear";
    case PartnerCheck::Status::kHit:
      return "hit";
    case PartnerCheck::Status::kUnavailable:
      break;
  }
  return "unavailable";
}

// Every partner asked about the document (in the configured order); one
// check, "partners", sums them up: a hit is review (reject where the policy
// says so), a partner that could not be asked is never a pass.
void Verifier::CheckPartners(VerificationReport& report) const {
  const mrz::Mrz& m = report.mrz;
  bool any_required = false;
  for (const PartnerSource& p : config_.partners) any_required = any_required || p.required;
  if (m.document_number.value.empty() || m.issuing_state.value.empty() ||
      m.document_code.value.empty()) {
    report.checks.push_back({"partners", CheckStatus::kNotRun,
                             "the MRZ gives no document number to look up", any_required});
    return;
  }
  bool exact = false, possible = false, down_required = false, down = false;
  std::vector<std::string> checked, missed;
  for (const PartnerSource& p : config_.partners) {
    PartnerCheck c = p.check(m.issuing_state.value, m.document_code.value, m.document_number.value);
    c.partner = p.name;
    if (c.status == PartnerCheck::Status::kUnavailable) {
      down = true;
      down_required = down_required || p.required;
      missed.push_back(p.name);
      const std::string why = "partner " + p.name + "'s lists could not be checked: " + c.detail;
      (p.required ? report.reasons : report.notes).push_back({"partner_unavailable", why});
    } else {
      checked.push_back(p.name);
    }
    for (const exchange::PartnerHit& hit : c.hits) {
      const std::string where = "partner " + p.name + "'s list '" + hit.list + "'";
      if (hit.look_alike) {
        possible = true;
        report.reasons.push_back(
            {"possible_partner_match",
             "a document on " + where +
                 " differs only by look-alike characters: ask the partner to confirm, quoting "
                 "reference " +
                 hit.reference});
      } else {
        exact = true;
        // What the partner shares of its records (its feed_details), said
        // as the partner's word: the hit is still to be confirmed.
        std::string shared;
        for (const exchange::SharedDetails& d : hit.details) {
          shared += (shared.empty() ? "; the partner's record: " : "; ") + d.document_type + " " +
                    lists::RecordStatusName(d.status);
          if (d.date_reported) shared += ", reported " + d.date_reported->ToIso();
          if (d.expiry_date) shared += ", expiry " + d.expiry_date->ToIso();
        }
        report.reasons.push_back({"partner_list_hit", "the document is on " + where +
                                                          ": ask the partner to confirm the hit, "
                                                          "quoting reference " +
                                                          hit.reference + shared});
      }
    }
    report.partners.push_back(std::move(c));
  }
  const auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  std::string detail = checked.empty() ? "" : "checked: " + join(checked);
  if (!missed.empty())
    detail += (detail.empty() ? "" : "; ") + std::string("not reached: ") + join(missed);
  if (exact) {
    const bool reject = config_.policy.partner_hit == "reject";
    report.checks.push_back({"partners", reject ? CheckStatus::kFail : CheckStatus::kReview,
                             "on a partner's list (" + detail + ")"});
  } else if (possible) {
    report.checks.push_back(
        {"partners", CheckStatus::kReview, "possible match on a partner's list (" + detail + ")"});
  } else if (down) {
    report.checks.push_back({"partners", CheckStatus::kUnavailable, detail, down_required});
  } else {
    report.checks.push_back(
        {"partners", CheckStatus::kPass, "on no partner's list (" + detail + ")"});
  }
}

namespace {

// A reading from an image that depends on characters no check digit
// confirms, or that the classifier was unsure of, is never clear: the
// officer compares the marked positions with the document.
void CheckReading(const vision::MrzImageReading& reading, VerificationReport& report) {
  const auto& uncertain = reading.repair.uncertain;
  if (uncertain.empty()) {
    report.checks.push_back(
        {"reading", CheckStatus::kPass, "every character read with confidence or confirmed"});
    return;
  }
  std::string where;
  for (std::size_t i = 0; i < uncertain.size() && i < 6; ++i) {
    const auto& u = uncertain[i];
    if (!where.empty()) where += ", ";
    where += "line " + std::to_string(u.line) + " position " + std::to_string(u.position);
    if (!u.field.empty()) where += " (" + u.field + ")";
  }
  if (uncertain.size() > 6) where += " and " + std::to_string(uncertain.size() - 6) + " more";
  report.checks.push_back({"reading", CheckStatus::kReview, "uncertain at " + where});
  report.reasons.push_back(
      {"uncertain_reading",
       "the MRZ could not be read with certainty: compare " + where + " with the document"});
}

}  // namespace

Result<VerificationReport> Verifier::Verify(const VerifyRequest& request) const {
  const bool has_text = !request.mrz_text.empty();
  const bool has_lines = !request.mrz_lines.empty();
  const bool has_image = !request.image.empty();
  const int given = int(has_text) + int(has_lines) + int(has_image);
  if (given > 1) {
    return Error{ErrorCode::kInvalidInput,
                 "give the MRZ as text, as lines or as an image: one of them"};
  }
  // Without a printed MRZ, the chip's DG1 is the MRZ checked; without chip
  // data either, the seal's (a seal checked on its own: an arrival
  // attestation, a residence permit, a visa section's scan of the seal).
  // EF.SOD sent without DG1, or a seal whose profile carries no MRZ, is
  // checked without one.
  std::string dg1_text, seal_text;
  std::optional<sig::SealVerification> seal_only;
  const bool dg1_given = request.chip && request.chip->data_groups.count(1) > 0;
  if (given == 0 && dg1_given) {
    dg1_text = sig::Dg1Mrz(request.chip->data_groups.at(1));
    if (dg1_text.empty())
      return Error{ErrorCode::kInvalidInput, "no MRZ given and the chip's DG1 holds none"};
  } else if (given == 0 && !request.seal.empty()) {
    auto anchors = config_.trust ? config_.trust() : nullptr;
    seal_only = sig::VerifySeal(request.seal, anchors.get(), ValidationTime(request.options));
    if (seal_only->seal && !seal_only->seal->mrz.empty()) seal_text = SealMrzText(*seal_only->seal);
  } else if (given == 0 && !request.chip) {
    return Error{ErrorCode::kInvalidInput, "no MRZ given"};
  }
  std::optional<vision::MrzImageReading> reading;
  if (has_image) {
    if (config_.reader == nullptr)
      return Error{ErrorCode::kUnsupported, "this TDV reads no images"};
    Result<vision::MrzImageReading> r = config_.reader->Read(request.image);
    if (!r) return r.error();
    reading = std::move(*r);
  }
  const VerifyOptions& o = request.options;
  VerificationReport report;
  report.as_of = o.as_of.value_or(config_.today());
  report.allow_specimens = o.allow_specimens.value_or(config_.allow_specimens);
  report.strict = o.strict.value_or(config_.strict);

  if (given == 0 && dg1_text.empty() && seal_text.empty())
    return WithoutMrz(request, std::move(seal_only), std::move(report));

  mrz::ParseOptions parse;
  parse.today = report.as_of;
  parse.expiry_window_years = config_.expiry_window_years;
  parse.allow_specimens = report.allow_specimens;
  parse.strict = report.strict;
  Result<mrz::Mrz> parsed = has_text    ? mrz::ParseMrz(request.mrz_text, parse)
                            : has_image ? mrz::ParseMrzLines(reading->lines, parse)
                            : has_lines ? mrz::ParseMrzLines(request.mrz_lines, parse)
                            : seal_only ? mrz::ParseMrz(seal_text, parse)
                                        : mrz::ParseMrz(dg1_text, parse);
  report.mrz_source = has_text    ? "text"
                      : has_image ? "image"
                      : has_lines ? "lines"
                      : seal_only ? "seal"
                                  : "chip";
  if (!parsed) return parsed.error();
  report.mrz = std::move(parsed).value();
  report.image = std::move(reading);
  const mrz::Mrz& m = report.mrz;

  if (m.valid()) {
    report.checks.push_back(
        {"mrz", CheckStatus::kPass, "layout, check digits, dates and codes hold"});
  } else {
    report.checks.push_back({"mrz", CheckStatus::kFail, FirstErrors(m)});
    report.reasons.push_back({"mrz_invalid", "the MRZ is invalid: " + FirstErrors(m)});
  }

  if (report.image) CheckReading(*report.image, report);
  if (report.image && report.image->truncated_file) {
    report.notes.push_back(
        {"image_truncated", "the image file ends early: the MRZ was read from the part it holds"});
  }

  internal::ApplyPolicy(config_.policy, o.check_expiry.value_or(config_.check_expiry), request,
                        report);

  if (seal_only) {
    const bool visa = seal_only->seal && seal_only->seal->profile == "visa";
    report.notes.push_back(
        {"mrz_from_seal", visa ? "the MRZ checked is the one the visa seal carries; a visa seal "
                                 "keeps line 2 up to position 28, so the optional data after it "
                                 "is not known"
                               : "the MRZ checked is the one the seal carries"});
  }

  if (config_.lists != nullptr) CheckLists(report);
  if (!config_.partners.empty()) CheckPartners(report);
  if (request.chip) CheckChip(request, report);
  CheckSeal(request, report, std::move(seal_only));
  Decide(report);
  return report;
}

// No MRZ to check: EF.SOD sent without DG1, or a seal whose profile
// carries none (a social insurance card, an address sticker). The signature
// and its chain are what can be checked; EF.SOD alone is never clear (its
// data groups are not_read).
VerificationReport Verifier::WithoutMrz(const VerifyRequest& request,
                                        std::optional<sig::SealVerification> seal,
                                        VerificationReport report) const {
  report.mrz_source = "none";
  std::string why = "EF.SOD was given without DG1";
  if (!request.chip) {
    why = "the seal carries no MRZ (profile " +
          (seal && seal->seal ? seal->seal->profile : std::string("not decodable")) + ")";
  }
  // EF.CardSecurity vouches for the chip's keys, not for the holder's data:
  // alone it is never clear.
  const bool card = request.chip && request.chip->card_security;
  if (card) {
    why = "EF.CardSecurity names no holder";
    report.reasons.push_back({"mrz_not_given",
                              "the chip's EF.CardSecurity was checked, but no MRZ: check the "
                              "printed MRZ (IMAGE or --mrz) too"});
  }
  report.checks.push_back({"mrz", CheckStatus::kNotRun, why, card});
  report.checks.push_back(
      {"lists", CheckStatus::kNotRun, "no document number to look up: " + why, false});
  if (!config_.partners.empty())
    report.checks.push_back(
        {"partners", CheckStatus::kNotRun, "no document number to look up: " + why, false});
  if (request.chip) CheckChip(request, report);
  CheckSeal(request, report, std::move(seal));
  Decide(report);
  return report;
}

void Verifier::Decide(VerificationReport& report) {
  bool failed = false, incomplete = false;
  for (const CheckOutcome& c : report.checks) {
    if (!c.required) continue;
    failed = failed || c.status == CheckStatus::kFail;
    incomplete = incomplete || c.status == CheckStatus::kNotRun ||
                 c.status == CheckStatus::kUnavailable || c.status == CheckStatus::kReview;
  }
  report.verdict = failed ? Verdict::kReject : incomplete ? Verdict::kReview : Verdict::kClear;
}

}  // namespace tdv::verify
