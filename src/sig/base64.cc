// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/base64.h"

#include <openssl/evp.h>

#include <cctype>
#include <string>

namespace tdv::sig {

Result<std::vector<std::uint8_t>> DecodeBase64(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return Error{ErrorCode::kInvalidInput, "not base64: unexpected character"};
    }
    clean += c;
  }
  if (clean.size() % 4 != 0)
    return Error{ErrorCode::kInvalidInput, "not base64: length is not a multiple of 4"};
  std::size_t pad = 0;
  while (pad < clean.size() && pad < 2 && clean[clean.size() - 1 - pad] == '=') ++pad;
  if (clean.find('=') < clean.size() - pad)
    return Error{ErrorCode::kInvalidInput, "not base64: '=' inside"};
  std::vector<std::uint8_t> out(clean.size() / 4 * 3);
  if (clean.empty()) return out;
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return Error{ErrorCode::kInvalidInput, "not base64"};
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

}  // namespace tdv::sig
