// SPDX-License-Identifier: Apache-2.0
// Digests and randomness for the rest of TDV (OpenSSL stays inside `sig`):
// SHA-256 for stored key hashes and the audit chain, HMAC-SHA-256 for keyed
// document hashes, and secrets from the operating system's generator.
//
// Thread safety: every function may be called from any thread.
#ifndef TDV_SIG_DIGEST_H_
#define TDV_SIG_DIGEST_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "tdv/mrz/result.h"

namespace tdv::sig {

// SHA-256 of `data` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// `bytes` random bytes from OpenSSL's CSPRNG, as 2*bytes lower-case hex
// digits. kUnavailable when the generator cannot be seeded.
Result<std::string> RandomHex(std::size_t bytes);

// Whether two strings are equal, in time that depends only on their length.
bool ConstantTimeEqual(std::string_view a, std::string_view b) noexcept;

}  // namespace tdv::sig

#endif  // TDV_SIG_DIGEST_H_
