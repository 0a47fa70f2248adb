// SPDX-License-Identifier: Apache-2.0
#include "store_common.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace tdv::lists::internal {

std::string NowRfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::int64_t ParseRfc3339(const std::string& text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    return -1;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string DateOrNull(const std::optional<mrz::CivilDate>& date) {
  return date ? date->ToIso() : std::string();
}

std::optional<mrz::CivilDate> ParseDateOrNull(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return mrz::ParseIsoDate(text);
}

Status CheckOwner(const std::string& list, const std::string& owner, const std::string& source) {
  if (owner == source) return {};
  return Error{ErrorCode::kPermissionDenied,
               "list '" + list + "' belongs to '" + owner + "', not '" + source + "'"};
}

Status CheckKey(const ListRecord& r) {
  auto letters = [](const std::string& s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    for (char c : s) {
      if (c < 'A' || c > 'Z') return false;
    }
    return true;
  };
  if (!letters(r.issuing_state, 3)) {
    return Error{ErrorCode::kInvalidInput,
                 "issuing_state '" + r.issuing_state + "' is not a code of 1-3 letters"};
  }
  if (!letters(r.document_type, 2)) {
    return Error{ErrorCode::kInvalidInput,
                 "document_type '" + r.document_type + "' is not 1-2 letters"};
  }
  if (r.document_number.empty() || NormalizeNumber(r.document_number) != r.document_number) {
    return Error{ErrorCode::kInvalidInput,
                 "document_number '" + r.document_number + "' is empty or not normalised"};
  }
  return {};
}

}  // namespace tdv::lists::internal
