// SPDX-License-Identifier: Apache-2.0
#include "tdv/mrz/check_digit.h"

#include <array>

namespace tdv::mrz {
namespace {

// Doc 9303 Part 3 §4.9: '<' counts as 0, A-Z as 10-35. -1 marks characters
// outside the MRZ alphabet. A table keeps the hot loop branch-free.
constexpr std::array<signed char, 256> MakeValueTable() {
  std::array<signed char, 256> table{};
  for (auto& v : table) v = -1;
  for (int c = '0'; c <= '9'; ++c)
    table[static_cast<std::size_t>(c)] = static_cast<signed char>(c - '0');
  for (int c = 'A'; c <= 'Z'; ++c)
    table[static_cast<std::size_t>(c)] = static_cast<signed char>(c - 'A' + 10);
  table['<'] = 0;
  return table;
}
constexpr std::array<signed char, 256> kValues = MakeValueTable();
constexpr int kWeights[3] = {7, 3, 1};

}  // namespace

int CharValue(char c) noexcept { return kValues[static_cast<unsigned char>(c)]; }

int AccumulateCheckSum(std::string_view data, int offset, int sum) noexcept {
  if (sum < 0) return -1;
  int w = offset % 3;
  bool bad = false;
  for (char c : data) {
    const int v = kValues[static_cast<unsigned char>(c)];
    bad |= v < 0;
    sum += v * kWeights[w];
    w = w == 2 ? 0 : w + 1;
  }
  return bad ? -1 : sum;
}

int ComputeCheckDigit(std::string_view data) noexcept {
  const int sum = AccumulateCheckSum(data, 0, 0);
  return sum < 0 ? -1 : sum % 10;
}

}  // namespace tdv::mrz
