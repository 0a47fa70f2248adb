// SPDX-License-Identifier: Apache-2.0
// Signing bytes and checking them against a trusted certificate (CMS
// SignedData, RFC 5652, detached): what agency A signs its feeds with and
// agency B checks them by (docs/exchange.md, mode 2).
//
// Thread safety: every function may be called from any thread.
#ifndef TDV_SIG_SIGNED_DATA_H_
#define TDV_SIG_SIGNED_DATA_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::sig {

// A signer: a certificate and its private key (PEM files).
class DataSigner {
 public:
  // kInvalidInput naming the file that cannot be read or is not PEM, or a
  // key that does not match the certificate.
  static Result<std::unique_ptr<DataSigner>> Load(const std::string& cert_pem,
                                                  const std::string& key_pem);
  ~DataSigner();
  DataSigner(const DataSigner&) = delete;
  DataSigner& operator=(const DataSigner&) = delete;

  // DER CMS SignedData over `data` (detached, SHA-256, the certificate
  // included).
  Result<std::vector<std::uint8_t>> Sign(std::string_view data) const;

 private:
  DataSigner();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Certificates to accept signers by (PEM, one or more): a signer's own
// certificate, or a CA that issued it.
class SignerTrust {
 public:
  // kInvalidInput naming the file when it cannot be read or holds no
  // certificate.
  static Result<std::unique_ptr<SignerTrust>> Load(const std::string& pem_file);
  ~SignerTrust();
  SignerTrust(const SignerTrust&) = delete;
  SignerTrust& operator=(const SignerTrust&) = delete;

  // Whether `signature` (DER CMS SignedData, detached) signs exactly `data`
  // with a certificate that chains to one of these (validity checked now).
  // kCorrupt saying why not.
  Status Verify(std::string_view data, std::span<const std::uint8_t> signature) const;

 private:
  SignerTrust();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tdv::sig

#endif  // TDV_SIG_SIGNED_DATA_H_
