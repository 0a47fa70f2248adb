// SPDX-License-Identifier: Apache-2.0
#include "tdv/mrz/country_codes.h"

#include <algorithm>
#include <array>

namespace tdv::mrz {
namespace {

constexpr CountryCode kCodesUnsorted[] = {
#include "country_codes_data.inc"
};

constexpr auto SortedCodes() {
  std::array<CountryCode, std::size(kCodesUnsorted)> codes{};
  std::copy(std::begin(kCodesUnsorted), std::end(kCodesUnsorted), codes.begin());
  std::sort(codes.begin(), codes.end(),
            [](const CountryCode& a, const CountryCode& b) { return a.code < b.code; });
  return codes;
}
constexpr auto kCodes = SortedCodes();

}  // namespace

const CountryCode* FindCountryCode(std::string_view code) noexcept {
  while (!code.empty() && code.back() == '<') code.remove_suffix(1);
  auto it = std::lower_bound(kCodes.begin(), kCodes.end(), code,
                             [](const CountryCode& a, std::string_view c) { return a.code < c; });
  return it != kCodes.end() && it->code == code ? &*it : nullptr;
}

std::span<const CountryCode> AllCountryCodes() noexcept { return kCodes; }

}  // namespace tdv::mrz
