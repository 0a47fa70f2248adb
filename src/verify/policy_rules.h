// SPDX-License-Identifier: Apache-2.0
// The policy rules applied to a report (internal to verify).
#ifndef TDV_SRC_VERIFY_POLICY_RULES_H_
#define TDV_SRC_VERIFY_POLICY_RULES_H_

#include "tdv/verify/policy.h"
#include "tdv/verify/verifier.h"

namespace tdv::verify::internal {

// Runs every rule of the policy table that has a function on the report:
// adds its checks, reasons and notes. `judge_expiry`: whether expiry is
// judged for this request.
void ApplyPolicy(const PolicyConfig& policy, bool judge_expiry, const VerifyRequest& request,
                 VerificationReport& report);

}  // namespace tdv::verify::internal

#endif  // TDV_SRC_VERIFY_POLICY_RULES_H_
