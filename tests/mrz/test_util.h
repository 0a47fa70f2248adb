// SPDX-License-Identifier: Apache-2.0
#ifndef TDV_TESTS_MRZ_TEST_UTIL_H_
#define TDV_TESTS_MRZ_TEST_UTIL_H_

#include <algorithm>
#include <string>

#include "catch.h"
#include "tdv/mrz/mrz.h"

namespace tdv::mrz::testing {

// A fixed "today" keeps century tests independent of the clock.
inline ParseOptions Options(bool allow_specimens = true, bool strict = false) {
  ParseOptions o;
  o.today = CivilDate{2026, 11, 28};
  o.allow_specimens = allow_specimens;
  o.strict = strict;
  return o;
}

inline Mrz Parse(const std::string& text, const ParseOptions& o = Options()) {
  Result<Mrz> r = ParseMrz(text, o);
  REQUIRE(r.has_value());
  return std::move(r).value();
}

inline bool HasError(const Mrz& m, const std::string& field, const std::string& code) {
  return std::any_of(m.errors.begin(), m.errors.end(),
                     [&](const Issue& i) { return i.field == field && i.code == code; });
}
inline bool HasWarning(const Mrz& m, const std::string& code) {
  return std::any_of(m.warnings.begin(), m.warnings.end(),
                     [&](const Issue& i) { return i.code == code; });
}
inline const CheckDigitResult* FindCheck(const Mrz& m, const std::string& field) {
  for (const auto& c : m.checks) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

}  // namespace tdv::mrz::testing

#endif  // TDV_TESTS_MRZ_TEST_UTIL_H_
