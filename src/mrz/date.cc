// SPDX-License-Identifier: Apache-2.0
#include "tdv/mrz/date.h"

#include <cstdio>

namespace tdv::mrz {

int DaysInMonth(int year, int month) noexcept {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool CivilDate::IsValid() const noexcept {
  return year >= 1000 && year <= 9999 && day >= 1 && day <= DaysInMonth(year, month);
}

std::string CivilDate::ToIso() const {
  // Every report writes a few of these: digits by hand, not snprintf.
  if (year < 0 || year > 9999 || month < 0 || month > 99 || day < 0 || day > 99) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    return buf;
  }
  std::string out = "0000-00-00";
  for (int i = 3, y = year; i >= 0; --i, y /= 10)
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + y % 10);
  out[5] = static_cast<char>('0' + month / 10);
  out[6] = static_cast<char>('0' + month % 10);
  out[8] = static_cast<char>('0' + day / 10);
  out[9] = static_cast<char>('0' + day % 10);
  return out;
}

std::optional<CivilDate> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len) {
    int n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      n = n * 10 + (text[i] - '0');
    }
    return n;
  };
  CivilDate date{number(0, 4), number(5, 2), number(8, 2)};
  if (!date.IsValid()) return std::nullopt;
  return date;
}

}  // namespace tdv::mrz
