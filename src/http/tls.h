// SPDX-License-Identifier: Apache-2.0
// TLS for `tdv serve` (OpenSSL, as cpp-httplib's own TLS uses): the server
// context from a certificate chain and key, optional client certificates,
// and a connection stream whose handshake and reads never block the
// reactor (a client that stalls mid-handshake holds no worker).
#ifndef TDV_SRC_HTTP_TLS_H_
#define TDV_SRC_HTTP_TLS_H_

#include <memory>
#include <string>

#include "reactor.h"
#include "tdv/mrz/result.h"

namespace tdv::http::internal {

struct TlsSettings {
  std::string cert_file;       // PEM: the server's certificate, then its chain
  std::string key_file;        // PEM: its private key
  std::string client_ca_file;  // PEM: CAs whose client certificates are accepted ("" none)
  bool require_client_cert = false;
  // TLS 1.2 cipher suites (OpenSSL's list syntax); "" = kIntermediateCiphers.
  // TLS 1.3's suites are all AEAD and stay as OpenSSL sets them.
  std::string ciphers;
};

// Mozilla's "intermediate" profile for TLS 1.2: forward-secret AEAD suites
// only (no CBC, no SHA-1 MACs).
inline constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

class TlsContext {
 public:
  // kInvalidInput naming the file when a certificate or key cannot be used.
  static Result<std::unique_ptr<TlsContext>> Create(const TlsSettings& settings);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The stream of an accepted socket (made non-blocking); nullptr when
  // OpenSSL cannot make a connection object.
  std::unique_ptr<ConnectionStream> Wrap(int fd, int read_timeout_seconds,
                                         int write_timeout_seconds) const;

 private:
  TlsContext() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_TLS_H_
