// SPDX-License-Identifier: Apache-2.0
// The JSON form of a VerificationReport: the one shape that `tdv check --json`
// prints and `POST /v1/verify` returns. Field names are a public contract;
// README.md documents them.
#ifndef TDV_HTTP_REPORT_JSON_H_
#define TDV_HTTP_REPORT_JSON_H_

#include <string>
#include <string_view>

#include "tdv/lists/audit_store.h"
#include "tdv/mrz/result.h"
#include "tdv/verify/verifier.h"

namespace tdv::http {

// Serialises `report`; indent < 0 gives one compact line.
std::string ReportToJson(const verify::VerificationReport& report, int indent = -1);

// Parses a verify request body:
//   {"mrz": "TEXT" | ["LINE", ...], "allow_specimens": bool, "strict": bool,
//    "check_expiry": bool, "as_of": "YYYY-MM-DD"}
// Fails with kInvalidInput (message says what and where) for malformed JSON,
// unknown members, wrong types or a missing "mrz". A message that starts with
// "malformed JSON" marks a syntax error rather than a schema error.
// With `id` (a batch item), a member "id" (a string or an integer) is taken
// too and stored in *id as its JSON text, even when the rest fails; *id is
// "" when there is none.
Result<verify::VerifyRequest> ParseVerifyRequestJson(std::string_view body,
                                                     std::string* id = nullptr);

// An RFC 9457 problem document: {"type","title","status","detail"}.
// Audit entries as {"entries": [...], "next_after": SEQ or null}: next_after
// is the seq to ask after for the next page, null when `more` is false.
std::string AuditToJson(const std::vector<lists::TrailEntry>& entries, bool more, int indent = -1);

std::string ProblemJson(int status, std::string_view type, std::string_view title,
                        std::string_view detail);
// How a verification that could not run is answered (POST /v1/verify's
// batches, `tdv bulk`): its HTTP status, problem type and title by the
// error's code; `image` tells an unreadable image from a bad request.
struct ProblemKind {
  int status;
  const char* type;
  const char* title;
};
ProblemKind ProblemFor(ErrorCode code, bool image);

}  // namespace tdv::http

#endif  // TDV_HTTP_REPORT_JSON_H_
