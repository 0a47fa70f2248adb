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

std::string EncodeBase64(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // and EVP's NUL
  if (bytes.empty()) return {};
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string EncodeHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> DecodeHex(std::string_view text) {
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2 != 0) return Error{ErrorCode::kInvalidInput, "odd number of hex digits"};
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return Error{ErrorCode::kInvalidInput, "not a hex digit"};
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

}  // namespace tdv::sig
