// SPDX-License-Identifier: Apache-2.0
#include "ldif.h"

#include <algorithm>
#include <cctype>

#include "tdv/sig/base64.h"

namespace tdv::sig::internal {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Line {
  std::string text;  // unfolded
  std::size_t number = 0;
};

// Logical lines: a physical line starting with one space continues the
// previous one (RFC 2849 folding); comments (with their continuations) and
// the "\r" of CRLF files are dropped.
std::vector<Line> Unfold(std::string_view text) {
  std::vector<Line> out;
  bool in_comment = false;
  std::size_t number = 0, start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view physical = text.substr(start, end - start);
    if (!physical.empty() && physical.back() == '\r') physical.remove_suffix(1);
    ++number;
    start = end + 1;
    if (!physical.empty() && physical.front() == ' ') {
      if (!in_comment && !out.empty()) out.back().text.append(physical.substr(1));
      continue;
    }
    in_comment = !physical.empty() && physical.front() == '#';
    if (in_comment) continue;
    out.push_back({std::string(physical), number});
  }
  return out;
}

}  // namespace

bool LooksLikeLdif(std::string_view text) {
  for (const Line& l : Unfold(text.substr(0, 4096))) {
    if (l.text.empty()) continue;
    const std::string head = Lower(l.text.substr(0, 8));
    return head.rfind("version:", 0) == 0 || head.rfind("dn:", 0) == 0;
  }
  return false;
}

Result<std::vector<LdifValue>> LdifBinaryValues(std::string_view text,
                                                const std::vector<std::string>& attributes) {
  std::vector<LdifValue> out;
  for (const Line& l : Unfold(text)) {
    const std::size_t colon = l.text.find("::");
    if (colon == std::string::npos || colon == 0) continue;
    std::string attribute = Lower(l.text.substr(0, colon));
    if (const std::size_t semi = attribute.find(';'); semi != std::string::npos)
      attribute.resize(semi);
    if (std::find(attributes.begin(), attributes.end(), attribute) == attributes.end()) continue;
    auto bytes = DecodeBase64(std::string_view(l.text).substr(colon + 2));
    if (!bytes || bytes->empty()) {
      return Error{ErrorCode::kInvalidInput,
                   "LDIF line " + std::to_string(l.number) + ": " + attribute + " is not base64"};
    }
    out.push_back({attribute, std::move(*bytes), l.number});
  }
  return out;
}

}  // namespace tdv::sig::internal
