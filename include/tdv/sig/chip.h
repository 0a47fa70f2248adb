// SPDX-License-Identifier: Apache-2.0
// Passive authentication of e-passport chip data (ICAO 9303-10/-11/-12):
// EF.SOD's CMS signature, its document signer's chain to a CSCA of the right
// country, and the hash of every data group read.
#ifndef TDV_SIG_CHIP_H_
#define TDV_SIG_CHIP_H_

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tdv/sig/trust_store.h"

namespace tdv::sig {

struct ChipData {
  std::vector<std::uint8_t> sod;  // EF.SOD as read (0x77 wrapper or bare CMS)
  std::map<int, std::vector<std::uint8_t>> data_groups;  // number -> complete DG file
  // `sod` holds EF.CardSecurity (German ID cards, BSI TR-03110): the same
  // CMS SignedData over SecurityInfos (id-SecurityObject) instead of data
  // group hashes. Its signature, chain and countries are checked; it
  // vouches for the chip's keys, not for data groups.
  bool card_security = false;
};

// Distinct outcomes, never merged; the first failure in this order wins:
// malformed, invalid signature, unknown CSCA, expired, revoked, revocation
// unknown, country mismatch, data group not in SOD, hash mismatch, DG1 not
// given.
enum class ChipStatus {
  kValid,
  kInvalidSignature,
  kHashMismatch,
  kDataGroupNotInSod,
  kUnknownCsca,
  kExpired,
  kRevoked,
  kRevocationUnknown,
  kCountryMismatch,
  kMalformed,
  // EF.SOD's signature, chain and countries hold, but DG1 was not given
  // (EF.SOD sent alone): what the chip holds is not authenticated.
  kDataGroupsNotRead,
};
// "valid", "invalid_signature", "hash_mismatch", "data_group_not_in_sod",
// "unknown_csca", "expired", "revoked", "revocation_unknown",
// "country_mismatch", "malformed", "data_groups_not_read".
const char* ChipStatusName(ChipStatus status) noexcept;

struct DataGroupCheck {
  int number = 0;
  // "valid", "hash_mismatch", "not_in_sod" (read but not signed), "not_read"
  // (signed but not presented).
  std::string status;
};

struct ChipVerification {
  ChipStatus status = ChipStatus::kMalformed;
  std::string detail;
  std::optional<SignerInfo> signer;
  std::string kind = "ef_sod";      // or "ef_card_security"
  std::string hash_algorithm;       // "sha256"
  std::string signature_algorithm;  // "ecdsa-with-SHA256", "rsassaPss", ...
  std::vector<DataGroupCheck> data_groups;
  std::string dg1_mrz;  // DG1's MRZ characters (no line breaks) when DG1 was given
  // Whether EF.SOD's signature verified with the document signer's key,
  // apart from the chain: "valid", "invalid", or "not_checked" (no signer
  // certificate, unreadable SOD). A chip whose CSCA is unknown may still
  // carry a valid signature.
  std::string signature = "not_checked";
};

ChipVerification VerifyChip(const ChipData& chip, const TrustAnchors* anchors, std::time_t at);

// The MRZ characters (88, 72 or 90, no line breaks) of a DG1 file
// (ICAO 9303 Part 10: 61 L 5F1F L MRZ); empty when it holds none. Whether the
// chip is authentic is VerifyChip's question, not this one's.
std::string Dg1Mrz(std::span<const std::uint8_t> dg1);

// The ISO 3166 alpha-2 code for an MRZ state code ("D" -> "DE", "NLD" ->
// "NL"); empty when the code names no state.
std::string Alpha2ForMrzCode(const std::string& code);

}  // namespace tdv::sig

#endif  // TDV_SIG_CHIP_H_
