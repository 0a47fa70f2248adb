// SPDX-License-Identifier: Apache-2.0
// Internal: where every field and check digit stands in each MRZ layout
// (Doc 9303 Part 4 TD3, Part 5 TD1, Part 6 TD2, Part 7 MRV-A/B), as data
// shared by the parser and the OCR repair search.
#ifndef TDV_SRC_MRZ_LAYOUT_H_
#define TDV_SRC_MRZ_LAYOUT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/mrz/mrz.h"

namespace tdv::mrz::internal {

// What a position may hold besides the filler '<'.
enum class CharClass : std::uint8_t { kLetters, kDigits, kAlnum, kSex };

enum class FieldId : std::uint8_t {
  kDocumentCode,
  kIssuingState,
  kDocumentNumber,
  kName,           // the name zone (TD1 line 3, line 1 otherwise)
  kNameSecondary,  // French ID given names on line 2
  kNationality,
  kBirthDate,
  kSex,
  kExpiryDate,
  kOptionalData,
  kOptionalData2,
  kComposite,  // only as the field a check digit guards
};

// Field name as used in reports: "document_number", ...
const char* FieldName(FieldId id) noexcept;

// 0-based line, 0-based start, length.
struct Range {
  std::int8_t line;
  std::int8_t start;
  std::int8_t length;
};

struct FieldSpec {
  FieldId id;
  Range range;
  CharClass cls;
};

struct CheckSpec {
  FieldId guards;
  std::int8_t line;  // where the digit stands
  std::int8_t pos;
  std::int8_t range_count;
  Range ranges[4];  // what it covers, in order
};

struct Layout {
  MrzFormat format;
  int line_count;
  int line_length;
  std::span<const FieldSpec> fields;
  std::span<const CheckSpec> checks;
  // TD1/TD2: a '<' at the document-number check digit announces a long
  // number continued in the optional data (Part 5 note j, Part 6).
  bool has_overflow;
  std::int8_t overflow_line;   // where the continuation starts
  std::int8_t overflow_start;  // (first position of the optional data)
  std::int8_t overflow_end;    // one past its last position
};

// The layout of `format`; nullptr for kUnknown.
const Layout* LayoutFor(MrzFormat format) noexcept;

// Decides the layout from the lines' count and lengths (and, for 2 x 36 and
// 2 x 44, the first characters). kUnknown when no layout fits.
MrzFormat DetectFormat(std::span<const std::string> lines) noexcept;

// The long-document-number mechanism of TD1/TD2 (Part 5 note j) for the
// document-number check `spec`: when `active`, the check-digit position holds
// '<' and the number continues at the start of the optional data, followed by
// its own check digit and a '<'.
struct Overflow {
  bool active = false;
  bool empty = false;          // active, but the optional data starts with '<'
  std::size_t digit_pos = 0;   // 0-based column of the continuation's digit
  std::string_view first;      // the 9 characters before the '<'
  std::string_view remainder;  // the continuation without its check digit
  char digit = 0;
  int variant_a = -1;  // check digit over first + remainder
  int variant_b = -1;  // ... with the '<' between them included
};
Overflow AnalyseOverflow(const Layout& layout, std::span<const std::string> lines,
                         const CheckSpec& spec) noexcept;

// Computes the check digit over what `spec` covers; -1 on a bad character.
int ComputeExpected(std::span<const std::string> lines, const CheckSpec& spec) noexcept;

// Does check `spec` hold (overflow, and '<' for all-filler fields, included)?
bool CheckHolds(const Layout& layout, std::span<const std::string> lines,
                const CheckSpec& spec) noexcept;

// Span (1-based, inclusive) of `length` characters from 0-based `start`.
inline Span MakeSpan(int line, int start, int length) {
  return Span{line + 1, start + 1, start + length};
}

inline bool IsMrzChar(char c) noexcept {
  return static_cast<unsigned char>(c - 'A') < 26 || static_cast<unsigned char>(c - '0') < 10 ||
         c == '<';
}
inline bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }
// Every character of `s` is in the MRZ alphabet (a table lookup per byte).
bool AllMrzChars(std::string_view s) noexcept;
inline bool IsLetter(char c) noexcept { return c >= 'A' && c <= 'Z'; }

// Does `c` fit class `cls` ('<' always fits)?
bool FitsClass(char c, CharClass cls) noexcept;

}  // namespace tdv::mrz::internal

#endif  // TDV_SRC_MRZ_LAYOUT_H_
