// SPDX-License-Identifier: Apache-2.0
#include "tdv/lists/record.h"

#include <algorithm>
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

bool LooksAlike(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ConfusionChar(a[i]) == ConfusionChar(b[i])) continue;
    const bool pair = std::any_of(
        std::begin(kEqualWeightLookAlikes), std::end(kEqualWeightLookAlikes), [&](const auto& p) {
          return (p.first == a[i] && p.second == b[i]) || (p.first == b[i] && p.second == a[i]);
        });
    if (!pair) return false;
  }
  return true;
}

char LookAlikeClass(char c) noexcept {
  // Union-find over the characters, once: the ConfusionKey groups (each
  // character with its group's character) and the equal-weight pairs.
  static const std::array<char, 256> kClass = [] {
    std::array<char, 256> parent{};
    for (int i = 0; i < 256; ++i) parent[static_cast<std::size_t>(i)] = static_cast<char>(i);
    const auto find = [&](char x) {
      while (parent[static_cast<unsigned char>(x)] != x) x = parent[static_cast<unsigned char>(x)];
      return x;
    };
    const auto join = [&](char a, char b) {
      const char ra = find(a), rb = find(b);
      if (ra != rb) parent[static_cast<unsigned char>(std::max(ra, rb))] = std::min(ra, rb);
    };
    for (char letter = 'A'; letter <= 'Z'; ++letter) join(letter, ConfusionChar(letter));
    for (const auto& [a, b] : kEqualWeightLookAlikes) join(a, b);
    std::array<char, 256> out{};
    for (int i = 0; i < 256; ++i) out[static_cast<std::size_t>(i)] = find(static_cast<char>(i));
    return out;
  }();
  return kClass[static_cast<unsigned char>(c)];
}

std::string LookAlikeClassKey(std::string_view normalized_number) {
  std::string out(normalized_number);
  for (char& c : out) c = LookAlikeClass(c);
  return out;
}

std::vector<std::string> LookAlikeKeys(std::string_view normalized_number) {
  std::vector<std::string> keys{ConfusionKey(normalized_number)};
  std::string variant(normalized_number);
  for (std::size_t i = 0; i < variant.size(); ++i) {
    const char c = variant[i];
    for (const auto& [a, b] : kEqualWeightLookAlikes) {
      if (c != a && c != b) continue;
      variant[i] = c == a ? b : a;
      std::string key = ConfusionKey(variant);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
      variant[i] = c;
    }
  }
  return keys;
}

std::string TypeFamily(std::string_view document_type) {
  if (document_type.empty()) return {};
  const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(document_type[0])));
  if (c < 'A' || c > 'Z') return {};
  return std::string(1, c);
}

}  // namespace tdv::lists
