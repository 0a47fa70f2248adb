// SPDX-License-Identifier: Apache-2.0
// Helpers the store implementations share.
#ifndef TDV_SRC_LISTS_STORE_COMMON_H_
#define TDV_SRC_LISTS_STORE_COMMON_H_

#include <cstdint>
#include <optional>
#include <string>

#include "tdv/lists/record.h"
#include "tdv/mrz/result.h"

namespace tdv::lists::internal {

// A list version's table: its columns, and the order every SELECT uses.
inline constexpr const char* kRecordColumns =
    "issuing_state TEXT NOT NULL, document_type TEXT NOT NULL, document_number TEXT NOT NULL, "
    "status INTEGER NOT NULL, reporting_agency TEXT, date_reported TEXT, expiry_date TEXT, "
    "review_date TEXT, national_reference TEXT, reason TEXT";
inline constexpr const char* kSelectColumns =
    "issuing_state, document_type, document_number, status, reporting_agency, date_reported, "
    "expiry_date, review_date, national_reference, reason";

// The `changes` table (audit trail and change feed) after its key column.
inline constexpr const char* kChangeColumns = R"sql(
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  list TEXT NOT NULL,
  action TEXT NOT NULL,
  issuing_state TEXT,
  document_type TEXT,
  document_number TEXT,
  status INTEGER,
  detail TEXT);
CREATE INDEX IF NOT EXISTS changes_by_list ON changes(list, seq);
)sql";

std::string NowRfc3339();
// Seconds since the epoch of a time written by NowRfc3339(); -1 if it is not
// one.
std::int64_t ParseRfc3339(const std::string& text);
std::string DateOrNull(const std::optional<mrz::CivilDate>& date);
std::optional<mrz::CivilDate> ParseDateOrNull(const std::string& text);
// Only the source that owns a list may change it: kPermissionDenied naming
// the owner otherwise.
Status CheckOwner(const std::string& list, const std::string& owner, const std::string& source);

// A record's key is complete and normalised (state A-Z 1-3, type A-Z 1-2,
// number normalised and non-empty).
Status CheckKey(const ListRecord& record);

}  // namespace tdv::lists::internal

#endif  // TDV_SRC_LISTS_STORE_COMMON_H_
