// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/signed_data.h"

#include <openssl/pem.h>

#include <cstdio>

#include "ossl.h"

namespace tdv::sig {
namespace {

BioPtr FileBio(const std::string& path) { return BioPtr(BIO_new_file(path.c_str(), "r")); }

}  // namespace

struct DataSigner::Impl {
  X509Ptr cert;
  EvpPkeyPtr key;
};

DataSigner::DataSigner() : impl_(std::make_unique<Impl>()) {}
DataSigner::~DataSigner() = default;

Result<std::unique_ptr<DataSigner>> DataSigner::Load(const std::string& cert_pem,
                                                     const std::string& key_pem) {
  std::unique_ptr<DataSigner> s(new DataSigner());
  BioPtr c = FileBio(cert_pem);
  if (c) s->impl_->cert.reset(PEM_read_bio_X509(c.get(), nullptr, nullptr, nullptr));
  if (!s->impl_->cert) {
    return Error{ErrorCode::kInvalidInput,
                 cert_pem + ": cannot be read as a PEM certificate (" + OpensslError() + ")"};
  }
  BioPtr k = FileBio(key_pem);
  if (k) s->impl_->key.reset(PEM_read_bio_PrivateKey(k.get(), nullptr, nullptr, nullptr));
  if (!s->impl_->key) {
    return Error{ErrorCode::kInvalidInput,
                 key_pem + ": cannot be read as a PEM private key (" + OpensslError() + ")"};
  }
  if (X509_check_private_key(s->impl_->cert.get(), s->impl_->key.get()) != 1) {
    OpensslError();
    return Error{ErrorCode::kInvalidInput, key_pem + ": not the key of " + cert_pem};
  }
  return s;
}

Result<std::vector<std::uint8_t>> DataSigner::Sign(std::string_view data) const {
  BioPtr in(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  CmsPtr cms(
      CMS_sign(impl_->cert.get(), impl_->key.get(), nullptr, in.get(), CMS_DETACHED | CMS_BINARY));
  if (!cms) return Error{ErrorCode::kInternal, "cannot sign: " + OpensslError()};
  unsigned char* der = nullptr;
  const int n = i2d_CMS_ContentInfo(cms.get(), &der);
  if (n <= 0) return Error{ErrorCode::kInternal, "cannot encode the signature: " + OpensslError()};
  std::vector<std::uint8_t> out(der, der + n);
  OPENSSL_free(der);
  return out;
}

struct SignerTrust::Impl {
  X509StorePtr store;
};

SignerTrust::SignerTrust() : impl_(std::make_unique<Impl>()) {}
SignerTrust::~SignerTrust() = default;

Result<std::unique_ptr<SignerTrust>> SignerTrust::Load(const std::string& pem_file) {
  std::unique_ptr<SignerTrust> t(new SignerTrust());
  t->impl_->store.reset(X509_STORE_new());
  BioPtr b = FileBio(pem_file);
  int count = 0;
  while (b) {
    X509Ptr cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (X509_STORE_add_cert(t->impl_->store.get(), cert.get()) != 1) break;
    ++count;
  }
  OpensslError();  // the end of the file reads as an error
  if (count == 0) {
    return Error{ErrorCode::kInvalidInput,
                 pem_file + ": cannot be read, or holds no PEM certificate"};
  }
  // A signer's own certificate (not self-signed) may be the anchor.
  X509_STORE_set_flags(t->impl_->store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  return t;
}

Status SignerTrust::Verify(std::string_view data, std::span<const std::uint8_t> signature) const {
  const unsigned char* p = signature.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(signature.size())));
  if (!cms || p != signature.data() + signature.size()) {
    OpensslError();
    return Error{ErrorCode::kCorrupt, "the signature is not a CMS structure"};
  }
  // The data behind a buffering filter, not a memory BIO: given a memory
  // BIO, OpenSSL 3.0's CMS_verify copies it into one of its own and loses
  // that copy when the signature's content cannot be set up (a leak found
  // by fuzz_feed_answer; corpus file cms-content-not-set-up).
  BioPtr in(BIO_push(BIO_new(BIO_f_buffer()),
                     BIO_new_mem_buf(data.data(), static_cast<int>(data.size()))));
  if (!in) return Error{ErrorCode::kInternal, "cannot read the data: " + OpensslError()};
  if (CMS_verify(cms.get(), nullptr, impl_->store.get(), in.get(), nullptr, CMS_BINARY) != 1) {
    return Error{ErrorCode::kCorrupt, "the signature does not verify: " + OpensslError()};
  }
  return {};
}

}  // namespace tdv::sig
