// SPDX-License-Identifier: Apache-2.0
// Bytes as text: strict base64 (RFC 4648, standard alphabet, padding
// required) for seal, chip and image bytes sent as JSON, whitespace and line
// breaks ignored; and hex, for keys, digests and the exchange's elements.
#ifndef TDV_SIG_BASE64_H_
#define TDV_SIG_BASE64_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::sig {

// kInvalidInput on characters outside the alphabet or a bad length.
Result<std::vector<std::uint8_t>> DecodeBase64(std::string_view text);
// Standard alphabet, padded, one line.
std::string EncodeBase64(std::span<const std::uint8_t> bytes);

// Lower-case hex, two digits a byte.
std::string EncodeHex(std::span<const std::uint8_t> bytes);
// Upper or lower case; kInvalidInput for an odd length or another character.
Result<std::vector<std::uint8_t>> DecodeHex(std::string_view text);

}  // namespace tdv::sig

#endif  // TDV_SIG_BASE64_H_
