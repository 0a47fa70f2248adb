// SPDX-License-Identifier: Apache-2.0
#include "tdv/verify/verifier.h"

#include <chrono>
#include <utility>

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

}  // namespace

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

Result<VerificationReport> Verifier::Verify(const VerifyRequest& request) const {
  const bool has_text = !request.mrz_text.empty();
  const bool has_lines = !request.mrz_lines.empty();
  const bool has_image = !request.image.empty();
  const int given = int(has_text) + int(has_lines) + int(has_image);
  if (given != 1) {
    return Error{
        ErrorCode::kInvalidInput,
        given == 0 ? "no MRZ given" : "give the MRZ as text, as lines or as an image: one of them"};
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

  mrz::ParseOptions parse;
  parse.today = report.as_of;
  parse.expiry_window_years = config_.expiry_window_years;
  parse.allow_specimens = report.allow_specimens;
  parse.strict = report.strict;
  Result<mrz::Mrz> parsed = has_text    ? mrz::ParseMrz(request.mrz_text, parse)
                            : has_image ? mrz::ParseMrzLines(reading->lines, parse)
                                        : mrz::ParseMrzLines(request.mrz_lines, parse);
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

  if (o.check_expiry.value_or(config_.check_expiry)) {
    const mrz::ExpiryStatus expiry = mrz::CheckExpiry(m.expiry_date, report.as_of);
    report.expiry = expiry;
    const std::string on = " on " + report.as_of.ToIso();
    switch (expiry) {
      case mrz::ExpiryStatus::kValid:
        report.checks.push_back({"expiry", CheckStatus::kPass, "not expired" + on});
        break;
      case mrz::ExpiryStatus::kNoExpiry:
        report.checks.push_back({"expiry", CheckStatus::kPass, "the document does not expire"});
        break;
      case mrz::ExpiryStatus::kExpired:
        report.checks.push_back({"expiry", CheckStatus::kFail, "expired" + on});
        report.reasons.push_back(
            {"document_expired", "the document expired on " + m.expiry_date.Iso()});
        break;
      case mrz::ExpiryStatus::kUnknown:
        report.checks.push_back(
            {"expiry", CheckStatus::kNotRun, "no complete expiry date to judge"});
        report.reasons.push_back(
            {"expiry_unknown", "expiry could not be checked: the MRZ has no complete expiry date"});
        break;
    }
  }

  if (config_.lists != nullptr) CheckLists(report);

  bool failed = false, incomplete = false;
  for (const CheckOutcome& c : report.checks) {
    if (!c.required) continue;
    failed = failed || c.status == CheckStatus::kFail;
    incomplete = incomplete || c.status == CheckStatus::kNotRun ||
                 c.status == CheckStatus::kUnavailable || c.status == CheckStatus::kReview;
  }
  report.verdict = failed ? Verdict::kReject : incomplete ? Verdict::kReview : Verdict::kClear;
  return report;
}

}  // namespace tdv::verify
