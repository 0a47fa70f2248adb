// SPDX-License-Identifier: Apache-2.0
// The human-readable report `tdv check` prints without --json.
#ifndef TDV_SRC_APP_REPORT_TEXT_H_
#define TDV_SRC_APP_REPORT_TEXT_H_

#include <string>

#include "tdv/verify/verifier.h"

namespace tdv::app {

std::string ReportToText(const verify::VerificationReport& report);

}  // namespace tdv::app

#endif  // TDV_SRC_APP_REPORT_TEXT_H_
