// SPDX-License-Identifier: Apache-2.0
// Visible digital seals (ICAO 9303-13, BSI TR-03137): decoding.
//
// A seal is `header | message zone | 0xFF length signature`. ParseVds turns
// the raw bytes of a DataMatrix into a VdsSeal without judging the signature
// (see seal.h for that). It never trusts a length: every read is bounds
// checked, and a malformed seal is an error that names the byte offset.
//
// Pure computation, no OpenSSL: the module's crypto lives in seal.cc.
#ifndef TDV_SIG_VDS_H_
#define TDV_SIG_VDS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::sig {

// C40 as TR-03137 Annex B defines it: A-Z, 0-9 and space (the MRZ filler '<'
// is encoded as a space). Decoding keeps spaces; a 0xFE pair is one ASCII
// character. Fails on values outside the alphabet (shift values other than
// padding, an odd byte count).
Result<std::string> DecodeC40(std::span<const std::uint8_t> bytes);
// The inverse ('<' becomes a space first). Fails on characters outside the
// alphabet.
Result<std::vector<std::uint8_t>> EncodeC40(std::string_view text);

struct VdsHeader {
  int version = 0;             // ICAO version: 3 (byte 0x02) or 4 (byte 0x03)
  std::string issuing_state;   // "D", "UTO" (fillers removed)
  std::string signer_id;       // 4 characters: country (2) + signer (2), "DETS"
  std::string cert_reference;  // as printed: "00027" (v3), "27" (v4)
  // v4: the radix the reference length was read in (16, or 10 for DEZV), and
  // whether that is the fallback (the signer's own radix did not parse).
  int cert_reference_radix = 0;
  bool cert_reference_radix_fallback = false;
  std::string issue_date;      // ISO 8601 "2020-01-01"
  std::string signature_date;  // ISO 8601
  std::uint8_t feature_ref = 0;
  std::uint8_t type_category = 0;
  std::size_t size = 0;  // header bytes
};

struct VdsFeature {
  int tag = 0;
  std::string name;               // "mrz", "passport_number", or "tag_N" when unknown
  std::string value;              // decoded text (C40 with '<' restored, UTF-8, or hex)
  std::vector<std::uint8_t> raw;  // the value bytes as received
};

struct VdsSeal {
  VdsHeader header;
  // "visa", "arrival_attestation", "residence_permit", ... or "unknown".
  std::string profile;
  std::vector<VdsFeature> features;
  // The MRZ carried by the seal, lines joined by '\n', fillers as '<' (empty
  // when the profile has none). Visa seals hold line 2 truncated to 28.
  std::string mrz;
  // The document number the seal is bound to (visa, residence permit).
  std::string passport_number;
  std::vector<std::uint8_t> signed_bytes;  // header + message zone, exactly as received
  bool has_signature = false;
  std::vector<std::uint8_t> signature;  // r || s as received
  std::size_t signature_offset = 0;     // offset of the 0xFF tag
};

// Error codes: kInvalidInput for a malformed seal, the message names the byte
// offset ("offset 19: ..."); kUnsupported for a header version TDV does not
// know. `*error_offset` (optional) receives the offset.
Result<VdsSeal> ParseVds(std::span<const std::uint8_t> bytes, std::size_t* error_offset = nullptr);

// The profile name of a document reference (feature_ref << 8 | type_category).
std::string_view VdsProfileName(std::uint8_t feature_ref, std::uint8_t type_category) noexcept;

}  // namespace tdv::sig

#endif  // TDV_SIG_VDS_H_
