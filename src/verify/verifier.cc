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

Result<VerificationReport> Verifier::Verify(const VerifyRequest& request) const {
  const bool has_text = !request.mrz_text.empty();
  const bool has_lines = !request.mrz_lines.empty();
  if (has_text == has_lines) {
    return Error{ErrorCode::kInvalidInput,
                 has_text ? "give the MRZ as text or as lines, not both" : "no MRZ given"};
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
  Result<mrz::Mrz> parsed = has_text ? mrz::ParseMrz(request.mrz_text, parse)
                                     : mrz::ParseMrzLines(request.mrz_lines, parse);
  if (!parsed) return parsed.error();
  report.mrz = std::move(parsed).value();
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

  bool failed = false, incomplete = false;
  for (const CheckOutcome& c : report.checks) {
    failed = failed || c.status == CheckStatus::kFail;
    incomplete =
        incomplete || c.status == CheckStatus::kNotRun || c.status == CheckStatus::kUnavailable;
  }
  report.verdict = failed ? Verdict::kReject : incomplete ? Verdict::kReview : Verdict::kClear;
  return report;
}

}  // namespace tdv::verify
