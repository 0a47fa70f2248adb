// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/seal.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "ossl.h"

namespace tdv::sig {
namespace {

// The hash ICAO 9303-13 pairs with an ECDSA key of `bits`.
const EVP_MD* HashForKeyBits(int bits) {
  if (bits <= 224) return EVP_sha224();
  if (bits <= 256) return EVP_sha256();
  if (bits <= 384) return EVP_sha384();
  return EVP_sha512();
}

// r || s (each left-padded to the field size) to a DER ECDSA-Sig-Value.
std::vector<unsigned char> RawToDer(std::span<const std::uint8_t> raw) {
  std::size_t half = raw.size() / 2;
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  std::vector<unsigned char> der;
  if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig
    unsigned char* buf = nullptr;
    int n = i2d_ECDSA_SIG(sig, &buf);
    if (n > 0) der.assign(buf, buf + n);
    OPENSSL_free(buf);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return der;
}

// The trust store's key for a seal header: "C|CN|SERIAL".
std::string SignerKey(const VdsHeader& h) {
  return h.signer_id.substr(0, 2) + "|" + h.signer_id.substr(2, 2) + "|" +
         NormalizeSerialHex(h.cert_reference);
}

bool IsHex(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

const char* SealStatusName(SealStatus status) noexcept {
  switch (status) {
    case SealStatus::kValid:
      return "valid";
    case SealStatus::kInvalidSignature:
      return "invalid_signature";
    case SealStatus::kUnknownSigner:
      return "unknown_signer";
    case SealStatus::kUntrusted:
      return "untrusted";
    case SealStatus::kRevoked:
      return "revoked";
    case SealStatus::kRevocationUnknown:
      return "revocation_unknown";
    case SealStatus::kUnsigned:
      return "unsigned";
    case SealStatus::kMalformed:
      return "malformed";
  }
  return "?";
}

SealVerification VerifySeal(std::span<const std::uint8_t> bytes, const TrustAnchors* anchors,
                            std::time_t at) {
  SealVerification out;
  std::size_t offset = 0;
  auto parsed = ParseVds(bytes, &offset);
  if (!parsed) {
    out.status = SealStatus::kMalformed;
    out.detail = parsed.error().message;
    out.offset = offset;
    return out;
  }
  out.seal = std::move(*parsed);
  const VdsSeal& seal = *out.seal;
  if (!seal.has_signature) {
    out.status = SealStatus::kUnsigned;
    out.detail = "the seal has no signature zone";
    return out;
  }
  if (!IsHex(seal.header.cert_reference)) {
    out.status = SealStatus::kUnknownSigner;
    out.detail = "certificate reference '" + seal.header.cert_reference +
                 "' is not a hexadecimal serial (registry lookup is not supported)";
    return out;
  }
  std::string key = SignerKey(seal.header);
  const TrustAnchors::Impl* impl = anchors ? &anchors->impl() : nullptr;
  X509* cert = nullptr;
  if (impl) {
    auto it = impl->seal_signers.find(key);
    if (it != impl->seal_signers.end()) cert = it->second;
  }
  if (!cert) {
    out.status = SealStatus::kUnknownSigner;
    out.detail = "no seal signer certificate for " + seal.header.signer_id + " serial " +
                 seal.header.cert_reference + " in the trust store";
    return out;
  }
  out.signer = DescribeCert(cert);

  EVP_PKEY* key_ptr = X509_get0_pubkey(cert);
  if (!key_ptr || EVP_PKEY_get_base_id(key_ptr) != EVP_PKEY_EC) {
    out.status = SealStatus::kInvalidSignature;
    out.signature = "invalid";
    out.detail = "the signer certificate has no EC key";
    ERR_clear_error();
    return out;
  }
  int bits = EVP_PKEY_get_bits(key_ptr);
  std::size_t field = static_cast<std::size_t>((bits + 7) / 8);
  if (seal.signature.size() != 2 * field) {
    out.status = SealStatus::kInvalidSignature;
    out.signature = "invalid";
    out.detail = "signature is " + std::to_string(seal.signature.size()) + " bytes, the " +
                 std::to_string(bits) + "-bit key needs " + std::to_string(2 * field);
    return out;
  }
  std::vector<unsigned char> der = RawToDer(seal.signature);
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  int ok =
      md && !der.empty() &&
              EVP_DigestVerifyInit(md.get(), nullptr, HashForKeyBits(bits), nullptr, key_ptr) == 1
          ? EVP_DigestVerify(md.get(), der.data(), der.size(), seal.signed_bytes.data(),
                             seal.signed_bytes.size())
          : -1;
  ERR_clear_error();
  if (ok != 1) {
    out.status = SealStatus::kInvalidSignature;
    out.signature = "invalid";
    out.detail = "the ECDSA signature does not verify with " + out.signer->subject;
    return out;
  }
  out.signature = "valid";
  VerifyChain(*impl, cert, nullptr, at, &*out.signer);
  switch (out.signer->chain) {
    case ChainStatus::kValid:
      out.status = SealStatus::kValid;
      break;
    case ChainStatus::kRevoked:
      out.status = SealStatus::kRevoked;
      break;
    case ChainStatus::kRevocationUnknown:
      out.status = SealStatus::kRevocationUnknown;
      break;
    default:
      out.status = SealStatus::kUntrusted;
      break;
  }
  if (out.status != SealStatus::kValid) out.detail = "signer chain: " + out.signer->chain_detail;
  return out;
}

}  // namespace tdv::sig
