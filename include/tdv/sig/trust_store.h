// SPDX-License-Identifier: Apache-2.0
// The trust store: CSCA certificates (self-signed and link), document and
// seal signer certificates, and CRLs, kept as DER files under a directory
// (DATA/trust/{csca,signer,crl}/ID.der, ID = the first 16 hex digits of the
// SHA-256 of the DER). ICAO CSCA master lists are imported as the CSCAs they
// carry, after their CMS signature has been verified against a given root.
//
// TrustStore edits the directory (one writer at a time: each file is written
// to a temporary name and renamed, so a reader never sees half a file).
// TrustAnchors is an immutable snapshot loaded from it that verification
// uses; load a new one to see later imports.
#ifndef TDV_SIG_TRUST_STORE_H_
#define TDV_SIG_TRUST_STORE_H_

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::sig {

enum class TrustKind { kCsca, kSigner, kCrl };
// "csca", "signer", "crl".
const char* TrustKindName(TrustKind kind) noexcept;
std::optional<TrustKind> ParseTrustKind(std::string_view name) noexcept;

struct TrustEntry {
  std::string id;  // 16 hex digits
  TrustKind kind = TrustKind::kCsca;
  std::string subject;  // certificates; CRLs: empty
  std::string issuer;
  std::string country;     // C of the subject (CRL: of the issuer)
  std::string serial;      // certificates, upper-case hex
  std::string not_before;  // ISO 8601 UTC; CRLs: thisUpdate
  std::string not_after;   // CRLs: nextUpdate ("" when absent)
  bool self_signed = false;
  std::size_t revoked = 0;  // CRLs: number of revoked serials
};

struct TrustImportOptions {
  // Force the kind; unset: CA certificates are CSCAs, other certificates
  // signers, CRLs CRLs, CMS master lists their CSCAs.
  std::optional<TrustKind> as;
  // A master list is only imported once its signature verifies and its
  // signer chains to one of these roots (PEM or DER certificates). Empty:
  // the CSCAs already in the store are the roots.
  std::vector<std::vector<std::uint8_t>> master_list_roots;
};

struct TrustImportReport {
  std::vector<TrustEntry> added;
  std::size_t already_present = 0;
  bool master_list = false;
};

class TrustStore {
 public:
  // Creates the directory when missing.
  static Result<TrustStore> Open(const std::filesystem::path& dir);

  // Imports PEM (one or more certificates or CRLs) or DER (a certificate, a
  // CRL or a CMS master list). Nothing is written unless the whole input is
  // understood. kInvalidInput: unreadable; kCorrupt: a master list whose
  // signature or signer does not verify.
  Result<TrustImportReport> Import(std::span<const std::uint8_t> bytes,
                                   const TrustImportOptions& options = {});
  Result<std::vector<TrustEntry>> List() const;
  // Removes the entry whose id starts with `id_prefix` (at least 4 digits,
  // unique). kNotFound / kInvalidInput (ambiguous).
  Result<TrustEntry> Remove(std::string_view id_prefix);

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  explicit TrustStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

// Revocation policy. kIfPresent: a signer is checked against its CSCA's CRL
// when the store has one; kRequire: a missing CRL makes revocation unknown;
// kIgnore: CRLs are not consulted. Under kIfPresent and kRequire an expired
// CRL makes revocation unknown (never a pass).
enum class CrlPolicy { kIgnore, kIfPresent, kRequire };
const char* CrlPolicyName(CrlPolicy policy) noexcept;
std::optional<CrlPolicy> ParseCrlPolicy(std::string_view name) noexcept;

// The outcome of building a signer's chain to a CSCA.
enum class ChainStatus {
  kValid,
  kNoAnchor,           // no CSCA in the store issued it (or a link to one)
  kExpired,            // a certificate of the chain was not valid at the validation time
  kRevoked,            // listed on its CSCA's CRL
  kRevocationUnknown,  // CRL missing (kRequire) or expired
  kInvalid,            // a bad signature or extension in the chain
};
const char* ChainStatusName(ChainStatus status) noexcept;

struct SignerInfo {
  std::string subject;
  std::string issuer;
  std::string serial;   // upper-case hex
  std::string country;  // C of the subject
  std::string not_before;
  std::string not_after;
  std::string csca;          // the anchor's subject when the chain was built
  std::string csca_country;  // and its C
  ChainStatus chain = ChainStatus::kNoAnchor;
  std::string chain_detail;  // OpenSSL's reason when not valid
  // "checked", "none", "expired", "ignored", or "not_checked" (the chain
  // was not built: the signature failed first, or no trust store).
  std::string crl = "not_checked";
};

class TrustAnchors {
 public:
  static Result<std::shared_ptr<const TrustAnchors>> Load(const std::filesystem::path& dir,
                                                          CrlPolicy policy = CrlPolicy::kIfPresent);
  ~TrustAnchors();
  TrustAnchors(const TrustAnchors&) = delete;
  TrustAnchors& operator=(const TrustAnchors&) = delete;

  std::size_t csca_count() const noexcept;
  std::size_t signer_count() const noexcept;
  std::size_t crl_count() const noexcept;
  CrlPolicy crl_policy() const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  explicit TrustAnchors(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Validation time helpers: `as_of_unix` 0 means now.
std::time_t ValidationTime(std::time_t as_of_unix) noexcept;

// Seconds since the epoch of a TrustEntry time ("2026-12-04T03:36:24Z");
// -1 when it is empty or not such a time.
std::int64_t TrustTimeToUnix(std::string_view iso) noexcept;
// A CRL entry past its next update at `now` (a certificate: false).
bool CrlExpired(const TrustEntry& entry, std::time_t now) noexcept;

}  // namespace tdv::sig

#endif  // TDV_SIG_TRUST_STORE_H_
