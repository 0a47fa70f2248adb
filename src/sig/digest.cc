// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "tdv/sig/base64.h"

namespace tdv::sig {

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest with a fetched-once SHA-256 cannot fail short of memory
  // exhaustion; an empty result would then match no stored hash.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return EncodeHex({md, len});
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len) == nullptr)
    return {};
  return EncodeHex({md, len});
}

// HMAC (RFC 2104) from two SHA-256 states primed with the padded key:
// copying a primed state is far cheaper than HMAC()'s setup per message.
struct HmacSha256::State {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* inner = nullptr;
  EVP_MD_CTX* outer = nullptr;
  ~State() {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
    EVP_MD_free(md);
  }
};

HmacSha256::HmacSha256(std::string_view key) : state_(std::make_unique<State>()) {
  constexpr std::size_t kBlock = 64;
  unsigned char k[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned int len = 0;
    EVP_Digest(key.data(), key.size(), k, &len, EVP_sha256(), nullptr);
  } else {
    std::copy(key.begin(), key.end(), k);
  }
  unsigned char ipad[kBlock], opad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
  }
  state_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  state_->inner = EVP_MD_CTX_new();
  state_->outer = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state_->inner, state_->md, nullptr);
  EVP_DigestUpdate(state_->inner, ipad, kBlock);
  EVP_DigestInit_ex(state_->outer, state_->md, nullptr);
  EVP_DigestUpdate(state_->outer, opad, kBlock);
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
}

HmacSha256::~HmacSha256() = default;

std::string HmacSha256::Hex(std::string_view data, std::size_t hex_digits) const {
  struct Ctx {
    EVP_MD_CTX* c = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(c); }
  };
  static thread_local Ctx ctx;
  unsigned char inner[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE];
  unsigned int inner_len = 0, len = 0;
  // A failure (memory exhaustion) gives an empty MAC, which matches none.
  if (EVP_MD_CTX_copy_ex(ctx.c, state_->inner) != 1 ||
      EVP_DigestUpdate(ctx.c, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.c, inner, &inner_len) != 1 ||
      EVP_MD_CTX_copy_ex(ctx.c, state_->outer) != 1 ||
      EVP_DigestUpdate(ctx.c, inner, inner_len) != 1 || EVP_DigestFinal_ex(ctx.c, md, &len) != 1)
    return {};
  std::string hex = EncodeHex({md, len});
  if (hex_digits < hex.size()) hex.resize(hex_digits);
  return hex;
}

Result<std::string> RandomHex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    return Error{ErrorCode::kUnavailable, "the random generator cannot be used"};
  }
  std::string hex = EncodeHex({buf.data(), buf.size()});
  OPENSSL_cleanse(buf.data(), buf.size());
  return hex;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tdv::sig
