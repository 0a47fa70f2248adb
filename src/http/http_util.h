// SPDX-License-Identifier: Apache-2.0
// What the route handlers share: problem+json answers, an Error's status,
// the request's media type.
#ifndef TDV_SRC_HTTP_HTTP_UTIL_H_
#define TDV_SRC_HTTP_HTTP_UTIL_H_

#include <httplib.h>

#include <cctype>
#include <string>
#include <string_view>

#include "tdv/http/report_json.h"
#include "tdv/mrz/result.h"

namespace tdv::http::internal {

inline constexpr const char* kProblemType = "application/problem+json";
inline constexpr const char* kJsonType = "application/json";

inline void SendProblem(httplib::Response& res, int status, std::string_view type,
                        std::string_view title, std::string_view detail) {
  res.status = status;
  res.set_content(ProblemJson(status, type, title, detail), kProblemType);
}

// An Error as the answer: 422 for input TDV cannot act on (a corrupt or
// unverifiable file too), 403, 404, 503, else 500.
inline void SendError(httplib::Response& res, const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kCorrupt:
      return SendProblem(res, 422, "invalid-request", "Invalid request", e.message);
    case ErrorCode::kUnsupported:
      return SendProblem(res, 415, "unsupported", "Unsupported", e.message);
    case ErrorCode::kPermissionDenied:
      return SendProblem(res, 403, "forbidden", "Forbidden", e.message);
    case ErrorCode::kNotFound:
      return SendProblem(res, 404, "not-found", "Not found", e.message);
    case ErrorCode::kUnavailable:
      return SendProblem(res, 503, "unavailable", "Service unavailable", e.message);
    default:
      return SendProblem(res, 500, "internal", "Internal server error", "the error was logged");
  }
}

// Media type without parameters, lower case.
inline std::string MediaType(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_HTTP_UTIL_H_
