// SPDX-License-Identifier: Apache-2.0
// OpenSSL helpers shared by the sig module (never included outside it).
#ifndef TDV_SRC_SIG_OSSL_H_
#define TDV_SRC_SIG_OSSL_H_

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tdv/sig/trust_store.h"

namespace tdv::sig {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

inline void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), FreeX509Stack>>;

// The last OpenSSL error as text (and clears the queue).
std::string OpensslError();

// One-line name ("C=DE, O=..., CN=...").
std::string NameText(const X509_NAME* name);
// The value of `nid` in `name` ("" when absent).
std::string NameEntry(const X509_NAME* name, int nid);
std::string SerialHex(const ASN1_INTEGER* serial);
// A hex serial as the trust store keys it: upper case, no leading zeros
// ("00027" -> "27"); certificates and seal headers both go through it.
std::string NormalizeSerialHex(std::string hex);
std::string TimeText(const ASN1_TIME* t);
std::string Sha256Id(std::span<const std::uint8_t> der);

// The signer fields of a certificate (chain fields left to the caller).
SignerInfo DescribeCert(X509* cert);

// The loaded trust store.
struct TrustAnchors::Impl {
  X509StorePtr store;  // every CSCA (self-signed and link) as an anchor, and the CRLs
  std::vector<X509Ptr> cscas;
  std::vector<X509Ptr> signers;
  std::vector<X509CrlPtr> crls;
  // Seal signers by "C|CN|SERIAL" (serial in upper-case hex without leading zeros).
  std::map<std::string, X509*> seal_signers;
  CrlPolicy policy = CrlPolicy::kIfPresent;
};

// Builds `leaf`'s chain to a CSCA at time `at`, with `untrusted` as extra
// intermediates; fills signer->chain, chain_detail, csca and crl.
void VerifyChain(const TrustAnchors::Impl& anchors, X509* leaf, STACK_OF(X509) * untrusted,
                 std::time_t at, SignerInfo* signer);

}  // namespace tdv::sig

#endif  // TDV_SRC_SIG_OSSL_H_
