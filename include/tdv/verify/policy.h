// SPDX-License-Identifier: Apache-2.0
// The verdict policy as explicit rules. Each rule has a reason code, the
// effect it has on the verdict, when it applies and what it tells the
// officer; the rules table is what `tdv policy` prints and the README
// documents. Reasons say what to check and never accuse the traveller.
//
// The checks (MRZ, reading, lists, seal, chip) report their own outcome;
// the rules here judge the document against the agency's policy: expiry,
// a holder under age, states on a watch list, visa categories marked for
// closer review.
#ifndef TDV_VERIFY_POLICY_H_
#define TDV_VERIFY_POLICY_H_

#include <string>
#include <vector>

#include "tdv/mrz/date.h"

namespace tdv::verify {

struct PolicyConfig {
  // An expired document: "reject" (the default at a border) or "review".
  // Whether expiry is judged at all: VerifyOptions::check_expiry, else
  // VerifierConfig::check_expiry (default true).
  std::string expired = "reject";
  // A note (no effect on the verdict) when the document expires within this
  // many days of the day judged by; 0: never.
  int expiring_within_days = 30;
  // Review when the holder is younger than this on the day judged by (the
  // officer checks accompaniment and consent); 0: never.
  int minor_age = 18;
  // Issuing states or nationalities (ICAO codes) marked for closer review.
  std::vector<std::string> watch_states;
  // Visa categories marked for closer review (the request's visa_category,
  // or a visa seal's category), compared without regard to case.
  std::vector<std::string> review_visa_categories;
  // A document a partner agency's list holds exactly (docs/exchange.md):
  // "review" (the default: confirm the hit with the partner first) or
  // "reject" (the operator takes the partner's word).
  std::string partner_hit = "review";
};

// Whether `text` names an expired-document effect ("reject" or "review").
bool ValidExpiredEffect(const std::string& text) noexcept;

struct PolicyRule {
  const char* code;    // the reason code it adds ("document_expired", ...)
  const char* effect;  // "reject", "review", "note", or "reject or review"
  const char* when;    // when it applies, for the documentation
  const char* check;   // the check it reports under ("expiry", "lists", ...)
};

// Every reason a report can give, in the order a report lists them: the
// rules of this file and the reasons the checks add.
const std::vector<PolicyRule>& PolicyRules();

// Age in whole years on `on` of someone born on `birth`.
int AgeOn(const mrz::CivilDate& birth, const mrz::CivilDate& on) noexcept;

// Days from `from` to `to` (negative when `to` is earlier).
int DaysBetween(const mrz::CivilDate& from, const mrz::CivilDate& to) noexcept;

}  // namespace tdv::verify

#endif  // TDV_VERIFY_POLICY_H_
