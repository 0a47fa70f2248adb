// SPDX-License-Identifier: Apache-2.0
#include "tls.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <string_view>

namespace tdv::http::internal {
namespace {

constexpr std::size_t kBufferBytes = 16384;  // the largest header we take

std::string OpensslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof(text));
  return text;
}

bool Wait(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

// One TLS connection on a non-blocking socket. The reactor drives the
// handshake and reads decrypted bytes into the buffer as they come; the
// worker serving a request reads and writes with poll()ed timeouts.
class TlsStream final : public ConnectionStream {
 public:
  TlsStream(SSL* ssl, int fd, int read_timeout_seconds, int write_timeout_seconds)
      : ConnectionStream(fd),
        ssl_(ssl),
        read_timeout_ms_(read_timeout_seconds * 1000),
        write_timeout_ms_(write_timeout_seconds * 1000) {}
  ~TlsStream() override {
    if (handshaken_) SSL_shutdown(ssl_);  // close_notify, without waiting for the reply
    SSL_free(ssl_);
    ERR_clear_error();
  }

  bool HeaderReady(bool& closed) override {
    Pull(closed);
    const std::string_view seen(buf_ + pos_, len_ - pos_);
    if (RequestArrived(seen, kBufferBytes, body_limit)) {
      closed = false;
      return true;
    }
    return false;
  }

  bool is_readable() const override {
    return pos_ < len_ || SSL_pending(ssl_) > 0 || Wait(fd_, POLLIN, ReadWaitMs(read_timeout_ms_));
  }
  bool is_writable() const override { return Wait(fd_, POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ < len_) {
      const size_t take = std::min(size, len_ - pos_);
      std::memcpy(ptr, buf_ + pos_, take);
      pos_ += take;
      Received(static_cast<ssize_t>(take));
      return static_cast<ssize_t>(take);
    }
    for (;;) {
      const int n = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      if (n > 0) {
        Received(n);
        return n;
      }
      const int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_ZERO_RETURN) return 0;
      const auto start = std::chrono::steady_clock::now();
      const bool ok = WaitFor(e, ReadWaitMs(read_timeout_ms_));
      Waited(std::chrono::steady_clock::now() - start, ok);
      if (!ok) return -1;
    }
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (discard_writes) return static_cast<ssize_t>(size);
    for (;;) {
      const int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      if (n > 0) return n;
      if (!WaitFor(SSL_get_error(ssl_, n), write_timeout_ms_)) return -1;
    }
  }

 private:
  // Waits for what OpenSSL asked for; false on an error or timeout.
  bool WaitFor(int ssl_error, int timeout_ms) {
    ERR_clear_error();
    if (ssl_error == SSL_ERROR_WANT_READ) return Wait(fd_, POLLIN, timeout_ms);
    if (ssl_error == SSL_ERROR_WANT_WRITE) return Wait(fd_, POLLOUT, timeout_ms);
    return false;
  }

  // The handshake as far as the bytes that arrived allow, then every
  // decrypted byte there is, into the buffer. Never waits.
  void Pull(bool& closed) {
    if (!handshaken_) {
      const int r = SSL_do_handshake(ssl_);
      if (r != 1) {
        const int e = SSL_get_error(ssl_, r);
        ERR_clear_error();
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) closed = true;
        return;
      }
      handshaken_ = true;
    }
    if (pos_ > 0) {
      std::memmove(buf_, buf_ + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
    }
    while (len_ < kBufferBytes) {
      const int n = SSL_read(ssl_, buf_ + len_, static_cast<int>(kBufferBytes - len_));
      if (n > 0) {
        len_ += static_cast<size_t>(n);
        continue;
      }
      const int e = SSL_get_error(ssl_, n);
      ERR_clear_error();
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) closed = true;
      return;
    }
  }

  SSL* ssl_;
  int read_timeout_ms_, write_timeout_ms_;
  bool handshaken_ = false;
  char buf_[kBufferBytes];
  size_t pos_ = 0, len_ = 0;
};

}  // namespace

struct TlsContext::Impl {
  SSL_CTX* ctx = nullptr;
  ~Impl() { SSL_CTX_free(ctx); }
};

TlsContext::~TlsContext() = default;

Result<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsSettings& s) {
  std::unique_ptr<TlsContext> out(new TlsContext());
  out->impl_ = std::make_unique<Impl>();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Error{ErrorCode::kUnavailable, "TLS: " + OpensslError()};
  out->impl_->ctx = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  const std::string ciphers = s.ciphers.empty() ? kIntermediateCiphers : s.ciphers;
  if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    return Error{ErrorCode::kInvalidInput,
                 "TLS cipher list '" + ciphers + "' names no suite OpenSSL knows"};
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) != 1) {
    return Error{ErrorCode::kInvalidInput,
                 "TLS certificate " + s.cert_file + " cannot be used: " + OpensslError()};
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error{ErrorCode::kInvalidInput,
                 "TLS key " + s.key_file + " cannot be used: " + OpensslError()};
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Error{ErrorCode::kInvalidInput,
                 "TLS key " + s.key_file + " does not belong to " + s.cert_file};
  }
  if (!s.client_ca_file.empty()) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.client_ca_file.c_str());
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(ctx, s.client_ca_file.c_str(), nullptr) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      return Error{ErrorCode::kInvalidInput,
                   "TLS client CA " + s.client_ca_file + " cannot be used: " + OpensslError()};
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(
        ctx, SSL_VERIFY_PEER | (s.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
        nullptr);
    static const unsigned char kSessionContext[] = "tdv";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  } else if (s.require_client_cert) {
    return Error{ErrorCode::kInvalidInput, "client certificates need a client CA file"};
  }
  ERR_clear_error();
  return out;
}

std::unique_ptr<ConnectionStream> TlsContext::Wrap(int fd, int read_timeout_seconds,
                                                   int write_timeout_seconds) const {
  SSL* ssl = SSL_new(impl_->ctx);
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  const int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return std::make_unique<TlsStream>(ssl, fd, read_timeout_seconds, write_timeout_seconds);
}

}  // namespace tdv::http::internal
