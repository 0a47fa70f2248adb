// SPDX-License-Identifier: Apache-2.0
// Fuzz target: untrusted seal and chip bytes. The first input byte picks the
// path (mod 4): 0 -> ParseVds + VerifySeal (no trust store), 1 ->
// VerifyChip with the rest as EF.SOD and a fixed DG1, 2 -> the rest as
// EF.CardSecurity, 3 -> the rest as an LDIF download (the PKD's format) read
// for its base64 values. Path 0 also gives the rest to the partner
// exchange's parsers of outside bytes (hex text, a blinded element as
// POST /v1/exchange/evaluate takes it, an evaluated element as a partner
// answers it). Any input must give a result, never a crash; a malformed
// seal's offset lies inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <span>
#include <string_view>
#include <vector>

#include "ldif.h"
#include "tdv/sig/base64.h"
#include "tdv/sig/chip.h"
#include "tdv/sig/oprf.h"
#include "tdv/sig/seal.h"
#include "tdv/sig/vds.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::time_t at = 1'800'000'000;
  if (data[0] % 4 == 3) {
    const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
    if (tdv::sig::internal::LooksLikeLdif(text)) {
      auto values = tdv::sig::internal::LdifBinaryValues(
          text, {"usercertificate", "certificaterevocationlist", "pkdmasterlistcontent"});
      if (values) {
        for (const auto& v : *values) {
          if (v.bytes.empty() || v.line == 0) std::abort();  // a value has bytes and a line
        }
      }
    }
  } else if (data[0] % 4 == 2) {
    tdv::sig::ChipData card;
    card.sod.assign(rest.begin(), rest.end());
    card.card_security = true;
    auto v = tdv::sig::VerifyChip(card, nullptr, at);
    if (v.status == tdv::sig::ChipStatus::kValid) std::abort();
  } else if (data[0] % 2 == 0) {
    std::size_t offset = 0;
    auto seal = tdv::sig::ParseVds(rest, &offset);
    if (!seal && offset > rest.size()) std::abort();
    if (seal && seal->has_signature && seal->signed_bytes.size() != seal->signature_offset)
      std::abort();
    auto v = tdv::sig::VerifySeal(rest, nullptr, at);
    if (v.status == tdv::sig::SealStatus::kValid) std::abort();  // nothing is valid without trust
    const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
    (void)tdv::sig::DecodeBase64(text);
    auto hex = tdv::sig::DecodeHex(text);
    if (hex && tdv::sig::EncodeHex(*hex).size() != text.size()) std::abort();
    static const auto key = tdv::sig::oprf::DeriveKey(std::vector<std::uint8_t>(32, 7), {});
    auto evaluated = tdv::sig::oprf::BlindEvaluate(*key, rest);
    if (evaluated && evaluated->size() != tdv::sig::oprf::kElementBytes) std::abort();
    auto out = tdv::sig::oprf::Finalize(rest, *key, rest);  // the key as a blind: any scalar
    if (out && out->size() != tdv::sig::oprf::kOutputBytes) std::abort();
  } else {
    tdv::sig::ChipData chip;
    chip.sod.assign(rest.begin(), rest.end());
    chip.data_groups[1] = {0x61, 0x03, 0x5F, 0x1F, 0x00};
    auto v = tdv::sig::VerifyChip(chip, nullptr, at);
    if (v.status == tdv::sig::ChipStatus::kValid) std::abort();
  }
  return 0;
}
