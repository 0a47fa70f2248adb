// SPDX-License-Identifier: Apache-2.0
// LDIF (RFC 2849) as the ICAO PKD publishes its downloads: entries of
// `attribute:: base64` values (document signer certificates, CRLs, CSCA
// master lists), long lines folded onto lines that start with one space.
#ifndef TDV_SRC_SIG_LDIF_H_
#define TDV_SRC_SIG_LDIF_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::sig::internal {

// Whether `text` looks like LDIF: its first line that is not a comment
// starts with "version:" or "dn:".
bool LooksLikeLdif(std::string_view text);

struct LdifValue {
  std::string attribute;  // lower case, options dropped: "usercertificate"
  std::vector<std::uint8_t> bytes;
  std::size_t line = 0;  // where the value starts (1-based)
};

// The base64 (`::`) values of `attributes` (lower case, without options
// such as ";binary"), in file order. kInvalidInput names the line of a value
// that is not base64.
Result<std::vector<LdifValue>> LdifBinaryValues(std::string_view text,
                                                const std::vector<std::string>& attributes);

}  // namespace tdv::sig::internal

#endif  // TDV_SRC_SIG_LDIF_H_
