// SPDX-License-Identifier: Apache-2.0
#include "tdv/mrz/country_codes.h"

#include <algorithm>
#include <array>
#include <cstdint>

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

// Direct index: a code of up to three letters, '<'-padded, is a number in
// base 27 ('<' = 0, A-Z = 1-26); the table maps it to its entry + 1.
constexpr int Letter(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 1 : -1; }

constexpr auto BuildIndex() {
  std::array<std::uint16_t, 27 * 27 * 27> index{};
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    int key = 0;
    for (std::size_t k = 0; k < 3; ++k)
      key = key * 27 + (k < kCodes[i].code.size() ? Letter(kCodes[i].code[k]) : 0);
    index[static_cast<std::size_t>(key)] = static_cast<std::uint16_t>(i + 1);
  }
  return index;
}
const auto kIndex = BuildIndex();

}  // namespace

const CountryCode* FindCountryCode(std::string_view code) noexcept {
  while (!code.empty() && code.back() == '<') code.remove_suffix(1);
  if (code.empty() || code.size() > 3) return nullptr;
  int key = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    const int digit = k < code.size() ? Letter(code[k]) : 0;
    if (digit < 0) return nullptr;
    key = key * 27 + digit;
  }
  const std::uint16_t entry = kIndex[static_cast<std::size_t>(key)];
  return entry == 0 ? nullptr : &kCodes[entry - 1u];
}

std::span<const CountryCode> AllCountryCodes() noexcept { return kCodes; }

}  // namespace tdv::mrz
