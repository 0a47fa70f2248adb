// SPDX-License-Identifier: Apache-2.0
// A calendar date with no time zone. The mrz module has no clock: callers pass
// "today" in explicitly, which keeps parsing deterministic and testable.
#ifndef TDV_MRZ_DATE_H_
#define TDV_MRZ_DATE_H_

#include <optional>
#include <string>
#include <string_view>

namespace tdv::mrz {

struct CivilDate {
  int year = 0;
  int month = 0;
  int day = 0;

  // True for a real Gregorian date with a four-digit year.
  bool IsValid() const noexcept;
  // "YYYY-MM-DD".
  std::string ToIso() const;
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

// Days in `month` of `year` (Gregorian); 0 for a month outside 1-12.
int DaysInMonth(int year, int month) noexcept;

// Parses "YYYY-MM-DD"; std::nullopt unless it is a valid date.
std::optional<CivilDate> ParseIsoDate(std::string_view text);

}  // namespace tdv::mrz

#endif  // TDV_MRZ_DATE_H_
