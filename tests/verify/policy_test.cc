// SPDX-License-Identifier: Apache-2.0
// The verdict policy's rules, one by one, through the Verifier: expired
// documents (reject by default), expiring soon (a note), a holder under age,
// states on a watch list, visa categories marked for review; and the rules
// table `tdv policy` and the README share.
#include "tdv/verify/policy.h"

#include <algorithm>
#include <set>

#include "catch.h"
#include "specimens.h"
#include "tdv/verify/verifier.h"

namespace tdv::verify {
namespace {

using tdv::testing::kTd3Specimen;  // born 1974-08-12, expires 2012-04-15, UTO

VerificationReport Check(const VerifierConfig& config, const mrz::CivilDate& as_of,
                         const std::string& visa_category = "") {
  const Verifier v(config);
  VerifyRequest req;
  req.mrz_text = kTd3Specimen;
  req.visa_category = visa_category;
  req.options.as_of = as_of;
  Result<VerificationReport> r = v.Verify(req);
  REQUIRE(r.has_value());
  return std::move(r).value();
}

VerifierConfig Defaults() {
  VerifierConfig c;  // the policy as shipped
  c.allow_specimens = true;
  return c;
}

bool Has(const std::vector<Reason>& reasons, const std::string& code) {
  return std::any_of(reasons.begin(), reasons.end(),
                     [&](const Reason& r) { return r.code == code; });
}

TEST_CASE("policy: an expired document is rejected by default, or reviewed", "[verify][policy]") {
  VerificationReport r = Check(Defaults(), {2012, 4, 16});
  CHECK(r.verdict == Verdict::kReject);
  CHECK(Has(r.reasons, "document_expired"));
  // The check's detail names the expiry date itself, then the date judged on.
  const auto expiry = std::find_if(r.checks.begin(), r.checks.end(),
                                   [](const auto& c) { return c.name == "expiry"; });
  REQUIRE(expiry != r.checks.end());
  CHECK(expiry->detail == "expired on 2012-04-15 (as of 2012-04-16)");
  VerifierConfig review = Defaults();
  review.policy.expired = "review";
  r = Check(review, {2012, 4, 16});
  CHECK(r.verdict == Verdict::kReview);
  CHECK(Has(r.reasons, "document_expired"));
  // On its last day it is valid.
  CHECK(Check(Defaults(), {2012, 4, 15}).verdict == Verdict::kClear);
  CHECK(ValidExpiredEffect("reject"));
  CHECK(ValidExpiredEffect("review"));
  CHECK_FALSE(ValidExpiredEffect("ignore"));
}

TEST_CASE("policy: expiring soon is a note, not a verdict", "[verify][policy]") {
  VerificationReport r = Check(Defaults(), {2012, 3, 20});  // 26 days left
  CHECK(r.verdict == Verdict::kClear);
  REQUIRE(Has(r.notes, "expiring_soon"));
  CHECK(r.notes.front().message.find("26 days") != std::string::npos);
  CHECK(Check(Defaults(), {2012, 3, 1}).notes.empty());  // 45 days
  VerifierConfig never = Defaults();
  never.policy.expiring_within_days = 0;
  CHECK(Check(never, {2012, 4, 15}).notes.empty());
}

TEST_CASE("policy: a holder under 18 is reviewed", "[verify][policy]") {
  VerificationReport r = Check(Defaults(), {1992, 8, 11});  // 17, a day before 18
  CHECK(r.verdict == Verdict::kReview);
  CHECK(Has(r.reasons, "minor_holder"));
  const auto& reason = *std::find_if(r.reasons.begin(), r.reasons.end(),
                                     [](const Reason& x) { return x.code == "minor_holder"; });
  CHECK(reason.message.find("accompaniment") != std::string::npos);
  CHECK(Check(Defaults(), {1992, 8, 12}).verdict == Verdict::kClear);  // 18 today
  VerifierConfig off = Defaults();
  off.policy.minor_age = 0;
  CHECK(Check(off, {1992, 8, 11}).verdict == Verdict::kClear);
}

TEST_CASE("policy: a state on the watch list is reviewed", "[verify][policy]") {
  VerifierConfig watch = Defaults();
  watch.policy.watch_states = {"XXA", "UTO"};
  VerificationReport r = Check(watch, {2011, 1, 1});
  CHECK(r.verdict == Verdict::kReview);
  CHECK(Has(r.reasons, "watch_state"));
  watch.policy.watch_states = {"XXA"};
  r = Check(watch, {2011, 1, 1});
  CHECK(r.verdict == Verdict::kClear);
}

TEST_CASE("policy: a visa category marked for review is reviewed", "[verify][policy]") {
  VerifierConfig marked = Defaults();
  marked.policy.review_visa_categories = {"Entertainer"};
  VerificationReport r = Check(marked, {2011, 1, 1}, "entertainer");
  CHECK(r.verdict == Verdict::kReview);
  CHECK(Has(r.reasons, "visa_category_review"));
  CHECK(Check(marked, {2011, 1, 1}, "student").verdict == Verdict::kClear);
  CHECK(Check(marked, {2011, 1, 1}).verdict == Verdict::kClear);
}

TEST_CASE("policy: the rules table names every code once, with its effect", "[verify][policy]") {
  std::set<std::string> codes;
  for (const PolicyRule& rule : PolicyRules()) {
    CHECK(codes.insert(rule.code).second);
    const std::string effect = rule.effect;
    CHECK((effect == "reject" || effect == "review" || effect == "note" ||
           effect == "review or note" || effect == "reject or review"));
    CHECK(std::string(rule.when).size() > 10);
    CHECK_FALSE(std::string(rule.check).empty());
  }
  for (const char* code :
       {"mrz_invalid", "document_expired", "expiring_soon", "minor_holder", "watch_state",
        "visa_category_review", "document_listed", "possible_list_match", "lists_unavailable",
        "uncertain_reading", "partner_list_hit", "possible_partner_match", "partner_unavailable"})
    CHECK(codes.count(code) == 1);
}

TEST_CASE("policy: ages and days", "[verify][policy]") {
  CHECK(AgeOn({2000, 2, 29}, {2018, 2, 28}) == 17);
  CHECK(AgeOn({2000, 2, 29}, {2018, 3, 1}) == 18);
  CHECK(AgeOn({1974, 8, 12}, {1974, 8, 12}) == 0);
  CHECK(DaysBetween({2024, 2, 28}, {2024, 3, 1}) == 2);
  CHECK(DaysBetween({2024, 3, 1}, {2024, 2, 28}) == -2);
}

}  // namespace
}  // namespace tdv::verify
