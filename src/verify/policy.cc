// SPDX-License-Identifier: Apache-2.0
// One small function per policy rule, registered with its reason code in
// one table (kRules) that the report, `tdv policy` and the README share.
#include <algorithm>
#include <cctype>
#include <chrono>

#include "policy_rules.h"

namespace tdv::verify {
namespace {

using RuleFn = void (*)(const PolicyConfig&, const VerifyRequest&, VerificationReport&);

void Expiry(const PolicyConfig& policy, const VerifyRequest&, VerificationReport& report) {
  const mrz::Mrz& m = report.mrz;
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
      report.checks.push_back(
          {"expiry", policy.expired == "review" ? CheckStatus::kReview : CheckStatus::kFail,
           "expired on " + m.expiry_date.Iso() + " (as of " + report.as_of.ToIso() + ")"});
      report.reasons.push_back({"document_expired", "the document expired on " +
                                                        m.expiry_date.Iso() +
                                                        ": check whether it may still be used"});
      break;
    case mrz::ExpiryStatus::kUnknown:
      report.checks.push_back({"expiry", CheckStatus::kNotRun, "no complete expiry date to judge"});
      report.reasons.push_back(
          {"expiry_unknown", "expiry could not be checked: the MRZ has no complete expiry date"});
      break;
  }
}

void ExpiringSoon(const PolicyConfig& policy, const VerifyRequest&, VerificationReport& report) {
  if (policy.expiring_within_days <= 0 || report.expiry != mrz::ExpiryStatus::kValid) return;
  const mrz::DateField& e = report.mrz.expiry_date;
  const int days = DaysBetween(report.as_of, {*e.year, *e.month, *e.day});
  if (days > policy.expiring_within_days) return;
  report.notes.push_back({"expiring_soon", "the document expires on " + e.Iso() + ", in " +
                                               std::to_string(days) + " days"});
}

void MinorHolder(const PolicyConfig& policy, const VerifyRequest&, VerificationReport& report) {
  const mrz::DateField& b = report.mrz.birth_date;
  if (policy.minor_age <= 0 || b.state != mrz::DateField::State::kComplete) return;
  const int age = AgeOn({*b.year, *b.month, *b.day}, report.as_of);
  if (age < 0 || age >= policy.minor_age) return;
  report.checks.push_back({"minor", CheckStatus::kReview,
                           "the holder is " + std::to_string(age) + " on " + report.as_of.ToIso()});
  report.reasons.push_back({"minor_holder", "the holder is under " +
                                                std::to_string(policy.minor_age) +
                                                ": check accompaniment and consent to travel"});
}

void WatchState(const PolicyConfig& policy, const VerifyRequest&, VerificationReport& report) {
  if (policy.watch_states.empty()) return;
  const auto listed = [&](const std::string& code) {
    return !code.empty() && std::find(policy.watch_states.begin(), policy.watch_states.end(),
                                      code) != policy.watch_states.end();
  };
  const std::string& state = report.mrz.issuing_state.value;
  const std::string& nationality = report.mrz.nationality.value;
  std::string which;
  if (listed(state)) which = "issuing state " + state;
  if (listed(nationality))
    which += (which.empty() ? "" : " and ") + std::string("nationality ") + nationality;
  if (which.empty()) {
    report.checks.push_back(
        {"watch_list", CheckStatus::kPass, "issuing state and nationality not on the watch list"});
    return;
  }
  report.checks.push_back({"watch_list", CheckStatus::kReview, which + " on the watch list"});
  report.reasons.push_back({"watch_state", "the agency reviews documents of " + which +
                                               " more closely: follow its instructions"});
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void VisaCategory(const PolicyConfig& policy, const VerifyRequest& request,
                  VerificationReport& report) {
  if (request.visa_category.empty() || policy.review_visa_categories.empty()) return;
  const std::string category = Lower(request.visa_category);
  const bool marked =
      std::any_of(policy.review_visa_categories.begin(), policy.review_visa_categories.end(),
                  [&](const std::string& c) { return Lower(c) == category; });
  if (!marked) {
    report.checks.push_back({"visa_category", CheckStatus::kPass,
                             "visa category " + request.visa_category + " not marked"});
    return;
  }
  report.checks.push_back({"visa_category", CheckStatus::kReview,
                           "visa category " + request.visa_category + " is marked for review"});
  report.reasons.push_back(
      {"visa_category_review", "visas of category " + request.visa_category +
                                   " are reviewed more closely: interview the holder about the "
                                   "purpose of stay and the sponsor"});
}

struct RuleEntry {
  PolicyRule rule;
  RuleFn apply;  // nullptr: the reason is added by a check
};

// The table. Order: as a report lists its reasons.
const RuleEntry kRules[] = {
    {{"mrz_invalid", "reject", "a check digit, date, code or the layout of the MRZ fails", "mrz"},
     nullptr},
    {{"uncertain_reading", "review",
      "the MRZ read from an image depends on a character no check digit confirms", "reading"},
     nullptr},
    {{"document_expired", "reject or review",
      "the expiry date is before the day judged by (policy `expired`: reject by default)",
      "expiry"},
     Expiry},
    {{"expiry_unknown", "review", "expiry is judged but the MRZ has no complete expiry date",
      "expiry"},
     nullptr},
    {{"expiring_soon", "note",
      "the document expires within `expiring_within_days` days (30 by default)", "expiry"},
     ExpiringSoon},
    {{"minor_holder", "review",
      "the holder is younger than `minor_age` (18 by default) on the day judged by", "minor"},
     MinorHolder},
    {{"watch_state", "review",
      "the issuing state or nationality is in `watch_states` (empty by default)", "watch_list"},
     WatchState},
    {{"visa_category_review", "review",
      "the request's `visa_category` is in `review_visa_categories` (empty by default)",
      "visa_category"},
     VisaCategory},
    {{"document_listed", "reject", "a lost-and-stolen list holds the document exactly", "lists"},
     nullptr},
    {{"possible_list_match", "review", "a listed document differs only by look-alike characters",
      "lists"},
     nullptr},
    {{"lists_unavailable", "review", "the list store cannot be consulted", "lists"}, nullptr},
    {{"lists_not_checked", "review",
      "no document number to look up, or no list loaded where lists are required", "lists"},
     nullptr},
    {{"partner_list_hit", "reject or review",
      "a partner agency's list holds the document exactly: confirm with the partner, quoting the "
      "reference (policy `partner_hit`: review by default)",
      "partners"},
     nullptr},
    {{"possible_partner_match", "review",
      "a document on a partner agency's list differs only by look-alike characters", "partners"},
     nullptr},
    {{"partner_unavailable", "review or note",
      "a partner agency's lists cannot be checked (review where the partner is `required`, a "
      "note otherwise)",
      "partners"},
     nullptr},
    {{"seal_<status>", "reject or review",
      "the visible digital seal fails (reject) or its signer is unknown (review)", "seal"},
     nullptr},
    {{"chip_<status>", "reject or review",
      "the chip data fails passive authentication (reject), or its CSCA is unknown or EF.SOD came "
      "without DG1 (review)",
      "chip"},
     nullptr},
    {{"chip_mrz_mismatch", "reject", "the chip's DG1 differs from the printed MRZ", "chip_mrz"},
     nullptr},
    {{"mrz_not_given", "review",
      "EF.CardSecurity given without an MRZ: it authenticates the chip, not the holder's data",
      "mrz"},
     nullptr},
    {{"mrz_from_seal", "note",
      "a seal given alone: the MRZ checked is the one it carries (a visa seal's after position "
      "28 of line 2 is not known)",
      "mrz"},
     nullptr},
};

}  // namespace

bool ValidExpiredEffect(const std::string& text) noexcept {
  return text == "reject" || text == "review";
}

const std::vector<PolicyRule>& PolicyRules() {
  static const std::vector<PolicyRule> rules = [] {
    std::vector<PolicyRule> out;
    for (const RuleEntry& e : kRules) out.push_back(e.rule);
    return out;
  }();
  return rules;
}

int DaysBetween(const mrz::CivilDate& from, const mrz::CivilDate& to) noexcept {
  using namespace std::chrono;
  const auto days_of = [](const mrz::CivilDate& d) {
    return sys_days{year{d.year} / month{static_cast<unsigned>(d.month)} /
                    day{static_cast<unsigned>(d.day)}};
  };
  return static_cast<int>((days_of(to) - days_of(from)).count());
}

int AgeOn(const mrz::CivilDate& birth, const mrz::CivilDate& on) noexcept {
  int age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

namespace internal {

void ApplyPolicy(const PolicyConfig& policy, bool judge_expiry, const VerifyRequest& request,
                 VerificationReport& report) {
  for (const RuleEntry& e : kRules) {
    if (e.apply == nullptr) continue;
    if ((e.apply == Expiry || e.apply == ExpiringSoon) && !judge_expiry) continue;
    e.apply(policy, request, report);
  }
}

}  // namespace internal
}  // namespace tdv::verify
