// SPDX-License-Identifier: Apache-2.0
// Strict base64 (RFC 4648, standard alphabet, padding required) for seal,
// chip and image bytes sent as JSON. Whitespace and line breaks are ignored.
#ifndef TDV_SIG_BASE64_H_
#define TDV_SIG_BASE64_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::sig {

// kInvalidInput on characters outside the alphabet or a bad length.
Result<std::vector<std::uint8_t>> DecodeBase64(std::string_view text);

}  // namespace tdv::sig

#endif  // TDV_SIG_BASE64_H_
