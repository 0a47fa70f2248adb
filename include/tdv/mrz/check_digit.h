// SPDX-License-Identifier: Apache-2.0
// ICAO 9303 Part 3 §4.9 check digits: weights 7, 3, 1 repeating; '0'-'9' count
// as 0-9, 'A'-'Z' as 10-35 and the filler '<' as 0; the digit is the sum mod 10.
#ifndef TDV_MRZ_CHECK_DIGIT_H_
#define TDV_MRZ_CHECK_DIGIT_H_

#include <string_view>

namespace tdv::mrz {

// Returns the check-digit value of an MRZ character (0-35), or -1 when `c` is
// not in the MRZ alphabet (A-Z, 0-9, '<').
int CharValue(char c) noexcept;

// Whether two symbols weigh the same in every check digit (values that differ
// by a multiple of 10: S/8, G/6, U/0, '<'/0 ...), so that no check digit can
// tell one read as the other.
inline bool EqualWeight(char a, char b) noexcept { return CharValue(a) % 10 == CharValue(b) % 10; }

// Returns the check digit of `data` as a value 0-9, or -1 when `data` holds a
// character outside the MRZ alphabet. An empty `data` gives 0.
int ComputeCheckDigit(std::string_view data) noexcept;

// Continues a check-digit sum: adds `data` as if it started at weight index
// `offset` (0 = weight 7). Lets callers compute a digit over non-contiguous
// ranges (the composite) without copying. Returns -1 on a bad character.
int AccumulateCheckSum(std::string_view data, int offset, int sum) noexcept;

}  // namespace tdv::mrz

#endif  // TDV_MRZ_CHECK_DIGIT_H_
