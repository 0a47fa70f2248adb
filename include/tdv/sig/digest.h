// SPDX-License-Identifier: Apache-2.0
// Digests and randomness for the rest of TDV (OpenSSL stays inside `sig`):
// SHA-256 for stored key hashes and the audit chain, HMAC-SHA-256 for keyed
// document hashes, and secrets from the operating system's generator.
//
// Thread safety: every function may be called from any thread.
#ifndef TDV_SIG_DIGEST_H_
#define TDV_SIG_DIGEST_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "tdv/mrz/result.h"

namespace tdv::sig {

// SHA-256 of `data` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA-256 of `data` under `key`, as 64 lower-case hex digits.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// HMAC-SHA-256 under one key, for many messages: the key's inner and outer
// states are computed once (the audit trail MACs every entry). Digest() may
// be called from any thread at once.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;
  // The MAC of `data` as lower-case hex, cut to `hex_digits` (at most 64).
  std::string Hex(std::string_view data, std::size_t hex_digits = 64) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// `bytes` random bytes from OpenSSL's CSPRNG, as 2*bytes lower-case hex
// digits. kUnavailable when the generator cannot be seeded.
Result<std::string> RandomHex(std::size_t bytes);

// Whether two strings are equal, in time that depends only on their length.
bool ConstantTimeEqual(std::string_view a, std::string_view b) noexcept;

}  // namespace tdv::sig

#endif  // TDV_SIG_DIGEST_H_
