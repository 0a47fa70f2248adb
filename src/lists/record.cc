// SPDX-License-Identifier: Apache-2.0
#include "tdv/lists/record.h"

#include <array>
#include <cctype>

namespace tdv::lists {

namespace {
constexpr std::array<const char*, 5> kStatusNames = {"lost", "stolen", "stolen_blank", "revoked",
                                                     "invalidated"};
}  // namespace

const char* RecordStatusName(RecordStatus status) noexcept {
  const auto i = static_cast<std::size_t>(status);
  return i < kStatusNames.size() ? kStatusNames[i] : "lost";
}

std::optional<RecordStatus> ParseRecordStatus(std::string_view text) noexcept {
  std::string norm;
  for (char c : text) {
    if (c == '-' || c == ' ') c = '_';
    norm.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (norm == kStatusNames[i]) return static_cast<RecordStatus>(i);
  }
  return std::nullopt;
}

std::string NormalizeNumber(std::string_view number) {
  std::string out;
  out.reserve(number.size());
  for (char c : number) {
    if (c == '<' || c == ' ' || c == '-' || c == '/' || c == '.') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return {};
    out.push_back(c);
  }
  return out;
}

char ConfusionChar(char c) noexcept {
  switch (c) {
    case 'O':
    case 'Q':
    case 'D':
      return '0';
    case 'I':
    case 'L':
      return '1';
    case 'Z':
      return '2';
    case 'S':
      return '5';
    case 'G':
      return '6';
    case 'B':
      return '8';
    default:
      return c;
  }
}

std::string ConfusionKey(std::string_view normalized_number) {
  std::string out(normalized_number);
  for (char& c : out) c = ConfusionChar(c);
  return out;
}

std::string TypeFamily(std::string_view document_type) {
  if (document_type.empty()) return {};
  const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(document_type[0])));
  if (c < 'A' || c > 'Z') return {};
  return std::string(1, c);
}

}  // namespace tdv::lists
