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
  const int w = offset % 3;
  // Weights for positions 0, 1, 2 of each group of three, from `offset`.
  const int w0 = kWeights[w], w1 = kWeights[(w + 1) % 3], w2 = kWeights[(w + 2) % 3];
  int bad = 0;
  std::size_t i = 0;
  auto v = [&](std::size_t k) {
    const int x = kValues[static_cast<unsigned char>(data[k])];
    bad |= x;  // negative (-1) marks a character outside the alphabet
    return x;
  };
  for (; i + 3 <= data.size(); i += 3) sum += v(i) * w0 + v(i + 1) * w1 + v(i + 2) * w2;
  if (i < data.size()) sum += v(i) * w0;
  if (i + 1 < data.size()) sum += v(i + 1) * w1;
  return bad < 0 ? -1 : sum;
}

int ComputeCheckDigit(std::string_view data) noexcept {
  const int sum = AccumulateCheckSum(data, 0, 0);
  return sum < 0 ? -1 : sum % 10;
}

}  // namespace tdv::mrz
