// SPDX-License-Identifier: Apache-2.0
// Visible digital seal verification: the ECDSA signature over the bytes as
// received (hash chosen by the key size), against the seal signer found in the
// trust store by (country, signer name, certificate serial), and that
// signer's chain to a CSCA.
#ifndef TDV_SIG_SEAL_H_
#define TDV_SIG_SEAL_H_

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>

#include "tdv/sig/trust_store.h"
#include "tdv/sig/vds.h"

namespace tdv::sig {

// Distinct outcomes, never merged.
enum class SealStatus {
  kValid,
  kInvalidSignature,   // the signature does not verify with the signer's key
  kUnknownSigner,      // no signer certificate for the header's reference
  kUntrusted,          // the signer does not chain to a CSCA, or the chain has expired
  kRevoked,            // the signer is on its CSCA's CRL
  kRevocationUnknown,  // the CRL is missing (policy "require") or expired
  kUnsigned,           // no signature zone
  kMalformed,          // not a decodable seal (see offset)
};
// "valid", "invalid_signature", "unknown_signer", "untrusted", "revoked",
// "revocation_unknown", "unsigned", "malformed".
const char* SealStatusName(SealStatus status) noexcept;

struct SealVerification {
  SealStatus status = SealStatus::kMalformed;
  std::string detail;
  std::size_t offset = 0;       // kMalformed: where decoding failed
  std::optional<VdsSeal> seal;  // everything but kMalformed
  std::optional<SignerInfo> signer;
  // Whether the signature itself verified with the signer's key, apart from
  // the chain: "valid", "invalid", or "not_checked" (no signer certificate,
  // unsigned, malformed). An untrusted or revoked seal may still have a
  // valid signature; an officer and an auditor need both facts.
  std::string signature = "not_checked";
};

// `anchors` may be null (no trust store): a decodable signed seal is then
// kUnknownSigner. `at`: the validation time for the chain.
SealVerification VerifySeal(std::span<const std::uint8_t> bytes, const TrustAnchors* anchors,
                            std::time_t at);

}  // namespace tdv::sig

#endif  // TDV_SIG_SEAL_H_
