// SPDX-License-Identifier: Apache-2.0
#include "layout.h"

#include <array>

#include "tdv/mrz/check_digit.h"

namespace tdv::mrz::internal {
namespace {

using C = CharClass;
using F = FieldId;

// Doc 9303 Part 5, TD1: 3 lines of 30.
constexpr FieldSpec kTd1Fields[] = {
    {F::kDocumentCode, {0, 0, 2}, C::kLetters},  {F::kIssuingState, {0, 2, 3}, C::kLetters},
    {F::kDocumentNumber, {0, 5, 9}, C::kAlnum},  {F::kOptionalData, {0, 15, 15}, C::kAlnum},
    {F::kBirthDate, {1, 0, 6}, C::kDigits},      {F::kSex, {1, 7, 1}, C::kSex},
    {F::kExpiryDate, {1, 8, 6}, C::kDigits},     {F::kNationality, {1, 15, 3}, C::kLetters},
    {F::kOptionalData2, {1, 18, 11}, C::kAlnum}, {F::kName, {2, 0, 30}, C::kLetters},
};
constexpr CheckSpec kTd1Checks[] = {
    {F::kDocumentNumber, 0, 14, 1, {{0, 5, 9}}},
    {F::kBirthDate, 1, 6, 1, {{1, 0, 6}}},
    {F::kExpiryDate, 1, 14, 1, {{1, 8, 6}}},
    {F::kComposite, 1, 29, 4, {{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}}},
};

// Part 6, TD2: 2 lines of 36.
constexpr FieldSpec kTd2Fields[] = {
    {F::kDocumentCode, {0, 0, 2}, C::kLetters},
    {F::kIssuingState, {0, 2, 3}, C::kLetters},
    {F::kName, {0, 5, 31}, C::kLetters},
    {F::kDocumentNumber, {1, 0, 9}, C::kAlnum},
    {F::kNationality, {1, 10, 3}, C::kLetters},
    {F::kBirthDate, {1, 13, 6}, C::kDigits},
    {F::kSex, {1, 20, 1}, C::kSex},
    {F::kExpiryDate, {1, 21, 6}, C::kDigits},
    {F::kOptionalData, {1, 28, 7}, C::kAlnum},
};
constexpr CheckSpec kTd2Checks[] = {
    {F::kDocumentNumber, 1, 9, 1, {{1, 0, 9}}},
    {F::kBirthDate, 1, 19, 1, {{1, 13, 6}}},
    {F::kExpiryDate, 1, 27, 1, {{1, 21, 6}}},
    {F::kComposite, 1, 35, 3, {{1, 0, 10}, {1, 13, 7}, {1, 21, 14}}},
};

// Part 4, TD3: 2 lines of 44.
constexpr FieldSpec kTd3Fields[] = {
    {F::kDocumentCode, {0, 0, 2}, C::kLetters},
    {F::kIssuingState, {0, 2, 3}, C::kLetters},
    {F::kName, {0, 5, 39}, C::kLetters},
    {F::kDocumentNumber, {1, 0, 9}, C::kAlnum},
    {F::kNationality, {1, 10, 3}, C::kLetters},
    {F::kBirthDate, {1, 13, 6}, C::kDigits},
    {F::kSex, {1, 20, 1}, C::kSex},
    {F::kExpiryDate, {1, 21, 6}, C::kDigits},
    {F::kOptionalData, {1, 28, 14}, C::kAlnum},
};
constexpr CheckSpec kTd3Checks[] = {
    {F::kDocumentNumber, 1, 9, 1, {{1, 0, 9}}},
    {F::kBirthDate, 1, 19, 1, {{1, 13, 6}}},
    {F::kExpiryDate, 1, 27, 1, {{1, 21, 6}}},
    {F::kOptionalData, 1, 42, 1, {{1, 28, 14}}},
    {F::kComposite, 1, 43, 3, {{1, 0, 10}, {1, 13, 7}, {1, 21, 22}}},
};

// Part 7: visas have no composite and no optional-data check digit, so their
// optional data runs to the end of line 2.
constexpr FieldSpec kMrvAFields[] = {
    {F::kDocumentCode, {0, 0, 2}, C::kLetters},
    {F::kIssuingState, {0, 2, 3}, C::kLetters},
    {F::kName, {0, 5, 39}, C::kLetters},
    {F::kDocumentNumber, {1, 0, 9}, C::kAlnum},
    {F::kNationality, {1, 10, 3}, C::kLetters},
    {F::kBirthDate, {1, 13, 6}, C::kDigits},
    {F::kSex, {1, 20, 1}, C::kSex},
    {F::kExpiryDate, {1, 21, 6}, C::kDigits},
    {F::kOptionalData, {1, 28, 16}, C::kAlnum},
};
constexpr FieldSpec kMrvBFields[] = {
    {F::kDocumentCode, {0, 0, 2}, C::kLetters},
    {F::kIssuingState, {0, 2, 3}, C::kLetters},
    {F::kName, {0, 5, 31}, C::kLetters},
    {F::kDocumentNumber, {1, 0, 9}, C::kAlnum},
    {F::kNationality, {1, 10, 3}, C::kLetters},
    {F::kBirthDate, {1, 13, 6}, C::kDigits},
    {F::kSex, {1, 20, 1}, C::kSex},
    {F::kExpiryDate, {1, 21, 6}, C::kDigits},
    {F::kOptionalData, {1, 28, 8}, C::kAlnum},
};
constexpr CheckSpec kMrvChecks[] = {
    {F::kDocumentNumber, 1, 9, 1, {{1, 0, 9}}},
    {F::kBirthDate, 1, 19, 1, {{1, 13, 6}}},
    {F::kExpiryDate, 1, 27, 1, {{1, 21, 6}}},
};

// French identity card 1988-2021 (cheminfo/mrz frenchNationalIdFields): no
// nationality, no expiry; line 1 ends in an administrative code.
constexpr FieldSpec kFrenchIdFields[] = {
    {F::kDocumentCode, {0, 0, 2}, C::kLetters},  {F::kIssuingState, {0, 2, 3}, C::kLetters},
    {F::kName, {0, 5, 25}, C::kLetters},         {F::kOptionalData, {0, 30, 6}, C::kAlnum},
    {F::kDocumentNumber, {1, 0, 12}, C::kAlnum}, {F::kNameSecondary, {1, 13, 14}, C::kLetters},
    {F::kBirthDate, {1, 27, 6}, C::kDigits},     {F::kSex, {1, 34, 1}, C::kSex},
};
constexpr CheckSpec kFrenchIdChecks[] = {
    {F::kDocumentNumber, 1, 12, 1, {{1, 0, 12}}},
    {F::kBirthDate, 1, 33, 1, {{1, 27, 6}}},
    {F::kComposite, 1, 35, 2, {{0, 0, 36}, {1, 0, 35}}},
};

constexpr Layout kLayouts[] = {
    {MrzFormat::kTd1, 3, 30, kTd1Fields, kTd1Checks, true, 0, 15, 30},
    {MrzFormat::kTd2, 2, 36, kTd2Fields, kTd2Checks, true, 1, 28, 35},
    {MrzFormat::kTd3, 2, 44, kTd3Fields, kTd3Checks, false, 0, 0, 0},
    {MrzFormat::kMrvA, 2, 44, kMrvAFields, kMrvChecks, false, 0, 0, 0},
    {MrzFormat::kMrvB, 2, 36, kMrvBFields, kMrvChecks, false, 0, 0, 0},
    {MrzFormat::kFrenchId, 2, 36, kFrenchIdFields, kFrenchIdChecks, false, 0, 0, 0},
};

}  // namespace

const char* FieldName(FieldId id) noexcept {
  switch (id) {
    case F::kDocumentCode:
      return "document_code";
    case F::kIssuingState:
      return "issuing_state";
    case F::kDocumentNumber:
      return "document_number";
    case F::kName:
      return "primary_identifier";
    case F::kNameSecondary:
      return "secondary_identifier";
    case F::kNationality:
      return "nationality";
    case F::kBirthDate:
      return "birth_date";
    case F::kSex:
      return "sex";
    case F::kExpiryDate:
      return "expiry_date";
    case F::kOptionalData:
      return "optional_data";
    case F::kOptionalData2:
      return "optional_data_2";
    case F::kComposite:
      return "composite";
  }
  return "unknown";
}

const Layout* LayoutFor(MrzFormat format) noexcept {
  for (const Layout& layout : kLayouts) {
    if (layout.format == format) return &layout;
  }
  return nullptr;
}

namespace {
constexpr std::array<bool, 256> MakeAlphabet() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  t['<'] = true;
  return t;
}
constexpr std::array<bool, 256> kAlphabet = MakeAlphabet();
}  // namespace

bool AllMrzChars(std::string_view s) noexcept {
  bool ok = true;
  for (char c : s) ok &= kAlphabet[static_cast<unsigned char>(c)];
  return ok;
}

MrzFormat DetectFormat(std::span<const std::string> lines) noexcept {
  if (lines.empty()) return MrzFormat::kUnknown;
  const std::size_t length = lines[0].size();
  for (const std::string& line : lines) {
    if (line.size() != length) return MrzFormat::kUnknown;
  }
  if (lines.size() == 3 && length == 30) return MrzFormat::kTd1;
  if (lines.size() != 2) return MrzFormat::kUnknown;
  const std::string& l1 = lines[0];
  const std::string& l2 = lines[1];
  if (length == 44) return l1[0] == 'V' ? MrzFormat::kMrvA : MrzFormat::kTd3;
  if (length != 36) return MrzFormat::kUnknown;
  if (l1[0] == 'V') return MrzFormat::kMrvB;
  // The old French card: "IDFRA", an administrative code of digits or
  // fillers at 31-36, and given names (letters) where TD2 has a birth date.
  if (l1.compare(0, 5, "IDFRA") == 0 && IsLetter(l2[13])) {
    bool admin_code = true;
    for (int i = 30; i < 36; ++i) admin_code = admin_code && (IsDigit(l1[i]) || l1[i] == '<');
    if (admin_code) return MrzFormat::kFrenchId;
  }
  return MrzFormat::kTd2;
}

namespace {
std::string_view Slice(std::span<const std::string> lines, Range r) noexcept {
  return std::string_view(lines[static_cast<std::size_t>(r.line)])
      .substr(static_cast<std::size_t>(r.start), static_cast<std::size_t>(r.length));
}
bool AllFillers(std::string_view s) noexcept { return s.find_first_not_of('<') == s.npos; }
}  // namespace

Overflow AnalyseOverflow(const Layout& layout, std::span<const std::string> lines,
                         const CheckSpec& spec) noexcept {
  Overflow o;
  const char digit = lines[static_cast<std::size_t>(spec.line)][static_cast<std::size_t>(spec.pos)];
  o.first = Slice(lines, spec.ranges[0]);
  if (!layout.has_overflow || spec.guards != FieldId::kDocumentNumber || digit != '<' ||
      AllFillers(o.first)) {
    return o;
  }
  o.active = true;
  const std::string_view line = lines[static_cast<std::size_t>(layout.overflow_line)];
  const auto start = static_cast<std::size_t>(layout.overflow_start);
  const auto limit = static_cast<std::size_t>(layout.overflow_end);
  std::size_t end = line.find('<', start);
  if (end == std::string_view::npos || end > limit) end = limit;
  if (end == start) {
    o.empty = true;
    return o;
  }
  o.digit_pos = end - 1;
  o.digit = line[end - 1];
  o.remainder = line.substr(start, end - 1 - start);
  const int first = AccumulateCheckSum(o.first, 0, 0);
  const int n = static_cast<int>(o.first.size());
  const int a = AccumulateCheckSum(o.remainder, n, first);
  const int b = AccumulateCheckSum(o.remainder, n + 1, first);
  o.variant_a = a < 0 ? -1 : a % 10;
  o.variant_b = b < 0 ? -1 : b % 10;
  return o;
}

int ComputeExpected(std::span<const std::string> lines, const CheckSpec& spec) noexcept {
  int sum = 0, offset = 0;
  for (int i = 0; i < spec.range_count; ++i) {
    sum = AccumulateCheckSum(Slice(lines, spec.ranges[i]), offset, sum);
    offset += spec.ranges[i].length;
  }
  return sum < 0 ? -1 : sum % 10;
}

bool CheckHolds(const Layout& layout, std::span<const std::string> lines,
                const CheckSpec& spec) noexcept {
  const Overflow o = AnalyseOverflow(layout, lines, spec);
  if (o.active) {
    if (o.empty || !IsDigit(o.digit)) return false;
    return o.digit - '0' == o.variant_a || o.digit - '0' == o.variant_b;
  }
  const char digit = lines[static_cast<std::size_t>(spec.line)][static_cast<std::size_t>(spec.pos)];
  const int expected = ComputeExpected(lines, spec);
  if (expected < 0) return false;
  if (digit == '<') {
    for (int i = 0; i < spec.range_count; ++i) {
      if (!AllFillers(Slice(lines, spec.ranges[i]))) return false;
    }
    return true;
  }
  return IsDigit(digit) && digit - '0' == expected;
}

bool FitsClass(char c, CharClass cls) noexcept {
  if (c == '<') return true;
  switch (cls) {
    case C::kLetters:
      return IsLetter(c);
    case C::kDigits:
      return IsDigit(c);
    case C::kAlnum:
      return IsLetter(c) || IsDigit(c);
    case C::kSex:
      return c == 'M' || c == 'F' || c == 'X';
  }
  return false;
}

}  // namespace tdv::mrz::internal
