// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/trust_store.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include "der.h"
#include "ldif.h"
#include "ossl.h"

namespace tdv::sig {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMasterListOid = "2.23.136.1.1.2";
constexpr std::array<TrustKind, 3> kKinds = {TrustKind::kCsca, TrustKind::kSigner, TrustKind::kCrl};

std::vector<std::uint8_t> ToDer(X509* cert) {
  unsigned char* buf = nullptr;
  int n = i2d_X509(cert, &buf);
  std::vector<std::uint8_t> out;
  if (n > 0) out.assign(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

std::vector<std::uint8_t> ToDer(X509_CRL* crl) {
  unsigned char* buf = nullptr;
  int n = i2d_X509_CRL(crl, &buf);
  std::vector<std::uint8_t> out;
  if (n > 0) out.assign(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

bool IsCa(X509* cert) { return X509_check_ca(cert) != 0; }

bool IsSelfSigned(X509* cert) { return X509_check_issued(cert, cert) == X509_V_OK; }

// One parsed item waiting to be written.
struct Pending {
  TrustKind kind;
  std::vector<std::uint8_t> der;
  X509Ptr cert;
  X509CrlPtr crl;
};

TrustEntry Describe(const Pending& p) {
  TrustEntry e;
  e.id = Sha256Id(p.der);
  e.kind = p.kind;
  if (p.cert) {
    SignerInfo s = DescribeCert(p.cert.get());
    e.subject = s.subject;
    e.issuer = s.issuer;
    e.country = s.country;
    e.serial = s.serial;
    e.not_before = s.not_before;
    e.not_after = s.not_after;
    e.self_signed = IsSelfSigned(p.cert.get());
  } else if (p.crl) {
    e.issuer = NameText(X509_CRL_get_issuer(p.crl.get()));
    e.country = NameEntry(X509_CRL_get_issuer(p.crl.get()), NID_countryName);
    e.not_before = TimeText(X509_CRL_get0_lastUpdate(p.crl.get()));
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(p.crl.get());
    e.not_after = next ? TimeText(next) : "";
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(p.crl.get());
    e.revoked = revoked ? static_cast<std::size_t>(sk_X509_REVOKED_num(revoked)) : 0;
  }
  return e;
}

Pending FromCert(X509Ptr cert, const TrustImportOptions& options) {
  Pending p;
  p.kind = options.as.value_or(IsCa(cert.get()) ? TrustKind::kCsca : TrustKind::kSigner);
  p.der = ToDer(cert.get());
  p.cert = std::move(cert);
  return p;
}

Pending FromCrl(X509CrlPtr crl) {
  Pending p;
  p.kind = TrustKind::kCrl;
  p.der = ToDer(crl.get());
  p.crl = std::move(crl);
  return p;
}

// Accepts ICAO's explicit EC domain parameters (9303-12 mandates them; OpenSSL
// 3 rejects them unless a callback dismisses the error).
int ExplicitParamsCallback(int ok, X509_STORE_CTX* ctx) {
  if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_EC_KEY_EXPLICIT_PARAMS) return 1;
  return ok;
}

Result<std::vector<X509Ptr>> ParseCerts(std::span<const std::uint8_t> bytes);

// Verifies a CSCA master list against `roots` and returns its certificates.
Result<std::vector<X509Ptr>> OpenMasterList(CMS_ContentInfo* cms, std::vector<X509Ptr> roots) {
  if (roots.empty()) {
    return Error{ErrorCode::kCorrupt,
                 "no root to verify the master list against (give --root, or import the "
                 "publishing state's CSCA first)"};
  }
  X509StorePtr store(X509_STORE_new());
  for (auto& r : roots) X509_STORE_add_cert(store.get(), r.get());
  X509_STORE_set_verify_cb(store.get(), ExplicitParamsCallback);
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  BioPtr out(BIO_new(BIO_s_mem()));
  if (CMS_verify(cms, nullptr, store.get(), nullptr, out.get(), CMS_BINARY) != 1) {
    return Error{ErrorCode::kCorrupt, "master list signature does not verify: " + OpensslError()};
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(out.get(), &data);
  std::span<const std::uint8_t> content(reinterpret_cast<const std::uint8_t*>(data),
                                        static_cast<std::size_t>(n));
  // CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }
  DerReader top(content);
  DerReader seq;
  DerReader set;
  if (!top.Enter(0x30, &seq) || !seq.Skip(0x02) || !seq.Enter(0x31, &set)) {
    return Error{ErrorCode::kInvalidInput, "master list content is not a CscaMasterList"};
  }
  std::vector<X509Ptr> certs;
  while (!set.done()) {
    std::span<const std::uint8_t> tlv;
    if (!set.ReadTlv(0x30, &tlv))
      return Error{ErrorCode::kInvalidInput, "bad certificate in master list"};
    const unsigned char* p = tlv.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(tlv.size())));
    if (!cert) return Error{ErrorCode::kInvalidInput, "bad certificate in master list"};
    certs.push_back(std::move(cert));
  }
  return certs;
}

Result<std::vector<X509Ptr>> ParseCerts(std::span<const std::uint8_t> bytes) {
  std::vector<X509Ptr> out;
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN") != std::string_view::npos) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
    ERR_clear_error();
  } else {
    const unsigned char* p = bytes.data();
    X509* c = d2i_X509(nullptr, &p, static_cast<long>(bytes.size()));
    if (c) out.emplace_back(c);
  }
  if (out.empty()) return Error{ErrorCode::kInvalidInput, "no certificate in the root file"};
  return out;
}

Result<std::vector<X509Ptr>> StoredCscas(const fs::path& dir) {
  std::vector<X509Ptr> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir / "csca", ec)) {
    std::ifstream in(f.path(), std::ios::binary);
    std::vector<std::uint8_t> der((std::istreambuf_iterator<char>(in)), {});
    const unsigned char* p = der.data();
    if (X509* c = d2i_X509(nullptr, &p, static_cast<long>(der.size()))) out.emplace_back(c);
  }
  return out;
}

// Everything `bytes` holds, or an error naming what could not be read.
Result<std::vector<Pending>> ParseImport(std::span<const std::uint8_t> bytes,
                                         const TrustImportOptions& options, const fs::path& dir,
                                         bool* master_list) {
  std::vector<Pending> items;
  if (bytes.empty()) return Error{ErrorCode::kInvalidInput, "empty input"};
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  // The ICAO PKD's downloads: LDIF entries holding document signer
  // certificates, CRLs and CSCA master lists, each imported as if given
  // alone (a master list only once it verifies); all or nothing.
  if (internal::LooksLikeLdif(text)) {
    auto values = internal::LdifBinaryValues(
        text,
        {"usercertificate", "cacertificate", "certificaterevocationlist", "pkdmasterlistcontent"});
    if (!values) return values.error();
    if (values->empty()) {
      return Error{ErrorCode::kInvalidInput,
                   "no certificate, CRL or master list in the LDIF input"};
    }
    for (const internal::LdifValue& v : *values) {
      bool list = false;
      Result<std::vector<Pending>> part = Error{ErrorCode::kInvalidInput, "not DER"};
      if (v.bytes.front() == 0x30) part = ParseImport(v.bytes, options, dir, &list);
      if (!part) {
        return Error{part.error().code, "LDIF line " + std::to_string(v.line) + " (" + v.attribute +
                                            "): " + part.error().message};
      }
      *master_list = *master_list || list;
      for (auto& item : *part) items.push_back(std::move(item));
    }
    return items;
  }
  if (text.find("-----BEGIN") != std::string_view::npos) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr);
    if (!infos) return Error{ErrorCode::kInvalidInput, "unreadable PEM: " + OpensslError()};
    for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
      X509_INFO* info = sk_X509_INFO_value(infos, i);
      if (info->x509) {
        X509_up_ref(info->x509);
        items.push_back(FromCert(X509Ptr(info->x509), options));
      }
      if (info->crl) {
        X509_CRL_up_ref(info->crl);
        items.push_back(FromCrl(X509CrlPtr(info->crl)));
      }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (items.empty())
      return Error{ErrorCode::kInvalidInput, "no certificate or CRL in the PEM input"};
    return items;
  }
  const unsigned char* end = bytes.data() + bytes.size();
  const unsigned char* p = bytes.data();
  if (X509* c = d2i_X509(nullptr, &p, static_cast<long>(bytes.size())); c && p == end) {
    items.push_back(FromCert(X509Ptr(c), options));
    return items;
  } else if (c) {
    X509_free(c);
  }
  p = bytes.data();
  if (X509_CRL* c = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())); c && p == end) {
    items.push_back(FromCrl(X509CrlPtr(c)));
    return items;
  } else if (c) {
    X509_CRL_free(c);
  }
  p = bytes.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
  ERR_clear_error();
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return Error{ErrorCode::kInvalidInput,
                 "not a certificate, CRL or CSCA master list (PEM or DER)"};
  }
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms.get()), 1);
  if (std::string(oid) != kMasterListOid) {
    return Error{ErrorCode::kInvalidInput,
                 std::string("CMS content type ") + oid + " is not a CSCA master list"};
  }
  std::vector<X509Ptr> roots;
  for (const auto& r : options.master_list_roots) {
    auto parsed = ParseCerts(r);
    if (!parsed) return parsed.error();
    for (auto& c : *parsed) roots.push_back(std::move(c));
  }
  if (options.master_list_roots.empty()) {
    auto stored = StoredCscas(dir);
    if (!stored) return stored.error();
    roots = std::move(*stored);
  }
  auto certs = OpenMasterList(cms.get(), std::move(roots));
  if (!certs) return certs.error();
  TrustImportOptions as_csca;
  as_csca.as = TrustKind::kCsca;
  for (auto& c : *certs) items.push_back(FromCert(std::move(c), as_csca));
  *master_list = true;
  return items;
}

Result<std::vector<std::uint8_t>> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kUnavailable, "cannot read " + path.string()};
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

Result<Pending> LoadEntry(TrustKind kind, const fs::path& path) {
  auto der = ReadFile(path);
  if (!der) return der.error();
  Pending p;
  p.kind = kind;
  const unsigned char* q = der->data();
  if (kind == TrustKind::kCrl) {
    p.crl.reset(d2i_X509_CRL(nullptr, &q, static_cast<long>(der->size())));
  } else {
    p.cert.reset(d2i_X509(nullptr, &q, static_cast<long>(der->size())));
  }
  if (!p.cert && !p.crl)
    return Error{ErrorCode::kCorrupt, "unreadable trust store file " + path.string()};
  p.der = std::move(*der);
  return p;
}

// Every entry of the store, in a stable order (kind, then id).
Result<std::vector<Pending>> LoadAll(const fs::path& dir) {
  std::vector<Pending> out;
  for (TrustKind kind : kKinds) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(dir / TrustKindName(kind), ec)) {
      if (f.path().extension() == ".der") files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto p = LoadEntry(kind, f);
      if (!p) return p.error();
      out.push_back(std::move(*p));
    }
  }
  return out;
}

}  // namespace

std::string NormalizeSerialHex(std::string hex) {
  std::size_t i = 0;
  while (i + 1 < hex.size() && hex[i] == '0') ++i;
  hex.erase(0, i);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

std::string OpensslError() {
  unsigned long e = ERR_get_error();
  std::string out;
  char buf[256];
  while (e != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    out = buf;  // the last one is the most specific
    e = ERR_get_error();
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string NameEntry(const X509_NAME* name, int nid) {
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return "";
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return NormalizeSerialHex(out);
}

std::string TimeText(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string Sha256Id(std::span<const std::uint8_t> der) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(der.data(), der.size(), md, &n, EVP_sha256(), nullptr);
  return Hex({md, 8});
}

SignerInfo DescribeCert(X509* cert) {
  SignerInfo s;
  s.subject = NameText(X509_get_subject_name(cert));
  s.issuer = NameText(X509_get_issuer_name(cert));
  s.serial = SerialHex(X509_get0_serialNumber(cert));
  s.country = NameEntry(X509_get_subject_name(cert), NID_countryName);
  s.not_before = TimeText(X509_get0_notBefore(cert));
  s.not_after = TimeText(X509_get0_notAfter(cert));
  return s;
}

const char* TrustKindName(TrustKind kind) noexcept {
  switch (kind) {
    case TrustKind::kCsca:
      return "csca";
    case TrustKind::kSigner:
      return "signer";
    case TrustKind::kCrl:
      return "crl";
  }
  return "?";
}

std::optional<TrustKind> ParseTrustKind(std::string_view name) noexcept {
  for (TrustKind k : kKinds) {
    if (name == TrustKindName(k)) return k;
  }
  return std::nullopt;
}

const char* CrlPolicyName(CrlPolicy policy) noexcept {
  switch (policy) {
    case CrlPolicy::kIgnore:
      return "ignore";
    case CrlPolicy::kIfPresent:
      return "if-present";
    case CrlPolicy::kRequire:
      return "require";
  }
  return "?";
}

std::optional<CrlPolicy> ParseCrlPolicy(std::string_view name) noexcept {
  for (CrlPolicy p : {CrlPolicy::kIgnore, CrlPolicy::kIfPresent, CrlPolicy::kRequire}) {
    if (name == CrlPolicyName(p)) return p;
  }
  return std::nullopt;
}

const char* ChainStatusName(ChainStatus status) noexcept {
  switch (status) {
    case ChainStatus::kValid:
      return "valid";
    case ChainStatus::kNoAnchor:
      return "no_anchor";
    case ChainStatus::kExpired:
      return "expired";
    case ChainStatus::kRevoked:
      return "revoked";
    case ChainStatus::kRevocationUnknown:
      return "revocation_unknown";
    case ChainStatus::kInvalid:
      return "invalid";
  }
  return "?";
}

std::time_t ValidationTime(std::time_t as_of_unix) noexcept {
  return as_of_unix != 0 ? as_of_unix : std::time(nullptr);
}

std::int64_t TrustTimeToUnix(std::string_view iso) noexcept {
  // YYYY-MM-DDTHH:MM:SSZ
  if (iso.size() < 19 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
      iso[16] != ':')
    return -1;
  auto num = [&](std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (iso[i] < '0' || iso[i] > '9') return false;
      out = out * 10 + (iso[i] - '0');
    }
    return true;
  };
  std::tm t{};
  if (!num(0, 4, t.tm_year) || !num(5, 2, t.tm_mon) || !num(8, 2, t.tm_mday) ||
      !num(11, 2, t.tm_hour) || !num(14, 2, t.tm_min) || !num(17, 2, t.tm_sec))
    return -1;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&t));
}

bool CrlExpired(const TrustEntry& entry, std::time_t now) noexcept {
  if (entry.kind != TrustKind::kCrl) return false;
  const std::int64_t next = TrustTimeToUnix(entry.not_after);
  return next >= 0 && next < now;
}

Result<TrustStore> TrustStore::Open(const fs::path& dir) {
  std::error_code ec;
  for (TrustKind k : kKinds) {
    fs::create_directories(dir / TrustKindName(k), ec);
    if (ec)
      return Error{ErrorCode::kUnavailable,
                   "cannot create " + (dir / TrustKindName(k)).string() + ": " + ec.message()};
  }
  return TrustStore(dir);
}

namespace {

// Writes `bytes` to `path` whole or not at all: a temporary file beside it,
// flushed to disk, renamed over it; on failure (a full file system) the
// temporary file is removed and the error names the operating system's
// reason.
Status WriteWhole(const fs::path& path, std::span<const std::uint8_t> bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  const auto fail = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    std::error_code ec;
    fs::remove(tmp, ec);
    return Error{ErrorCode::kUnavailable, "cannot write " + what + ": " + reason};
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(tmp.string());
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return fail(tmp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return fail(tmp.string());
  }
  if (::close(fd) != 0) return fail(tmp.string());
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(path.string());
  return {};
}

}  // namespace

Result<TrustImportReport> TrustStore::Import(std::span<const std::uint8_t> bytes,
                                             const TrustImportOptions& options) {
  TrustImportReport report;
  auto items = ParseImport(bytes, options, dir_, &report.master_list);
  if (!items) return items.error();
  std::vector<fs::path> written;
  for (const auto& item : *items) {
    TrustEntry e = Describe(item);
    bool present = false;
    for (TrustKind k : kKinds)
      present = present || fs::exists(dir_ / TrustKindName(k) / (e.id + ".der"));
    if (present) {
      ++report.already_present;
      continue;
    }
    fs::path final_path = dir_ / TrustKindName(item.kind) / (e.id + ".der");
    if (Status st = WriteWhole(final_path, item.der); !st) {
      // All or nothing: what this import added so far goes again.
      std::error_code ec;
      for (const fs::path& p : written) fs::remove(p, ec);
      return st.error();
    }
    written.push_back(std::move(final_path));
    report.added.push_back(std::move(e));
  }
  return report;
}

Result<std::vector<TrustEntry>> TrustStore::List() const {
  auto all = LoadAll(dir_);
  if (!all) return all.error();
  std::vector<TrustEntry> out;
  for (const auto& p : *all) out.push_back(Describe(p));
  return out;
}

Result<TrustEntry> TrustStore::Remove(std::string_view id_prefix) {
  if (id_prefix.size() < 4)
    return Error{ErrorCode::kInvalidInput, "give at least 4 digits of the id"};
  auto all = List();
  if (!all) return all.error();
  std::vector<TrustEntry> hits;
  for (auto& e : *all) {
    if (e.id.compare(0, id_prefix.size(), id_prefix) == 0) hits.push_back(e);
  }
  if (hits.empty())
    return Error{ErrorCode::kNotFound, "no trust store entry " + std::string(id_prefix)};
  if (hits.size() > 1)
    return Error{ErrorCode::kInvalidInput, "id prefix " + std::string(id_prefix) + " is ambiguous"};
  std::error_code ec;
  fs::remove(dir_ / TrustKindName(hits[0].kind) / (hits[0].id + ".der"), ec);
  if (ec) return Error{ErrorCode::kUnavailable, "cannot remove: " + ec.message()};
  return hits[0];
}

TrustAnchors::TrustAnchors(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TrustAnchors::~TrustAnchors() = default;
std::size_t TrustAnchors::csca_count() const noexcept { return impl_->cscas.size(); }
std::size_t TrustAnchors::signer_count() const noexcept { return impl_->signers.size(); }
std::size_t TrustAnchors::crl_count() const noexcept { return impl_->crls.size(); }
CrlPolicy TrustAnchors::crl_policy() const noexcept { return impl_->policy; }

Result<std::shared_ptr<const TrustAnchors>> TrustAnchors::Load(const fs::path& dir,
                                                               CrlPolicy policy) {
  auto all = LoadAll(dir);
  if (!all) return all.error();
  auto impl = std::make_unique<Impl>();
  impl->policy = policy;
  impl->store.reset(X509_STORE_new());
  for (auto& p : *all) {
    if (p.kind == TrustKind::kCrl) {
      X509_STORE_add_crl(impl->store.get(), p.crl.get());
      impl->crls.push_back(std::move(p.crl));
    } else if (p.kind == TrustKind::kCsca) {
      X509_STORE_add_cert(impl->store.get(), p.cert.get());
      impl->cscas.push_back(std::move(p.cert));
    } else {
      X509* c = p.cert.get();
      X509_NAME* subject = X509_get_subject_name(c);
      std::string key = NameEntry(subject, NID_countryName) + "|" +
                        NameEntry(subject, NID_commonName) + "|" +
                        SerialHex(X509_get0_serialNumber(c));
      impl->seal_signers.emplace(key, c);
      impl->signers.push_back(std::move(p.cert));
    }
  }
  ERR_clear_error();  // duplicate certificates are not an error
  return std::shared_ptr<const TrustAnchors>(new TrustAnchors(std::move(impl)));
}

namespace {

struct ChainState {
  CrlPolicy policy;
  bool crl_missing = false;
  std::vector<int> soft_errors;  // expiry and revocation, in the order seen
};

bool IsSoft(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_REVOKED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
      return true;
    default:
      return false;
  }
}

// Dismisses explicit EC parameters; records expiry and revocation problems
// and goes on, so that the whole chain is judged (OpenSSL checks CRLs before
// validity periods, and an expired chain should read "expired", not "CRL
// expired"); stops at anything else.
int ChainCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok) return ok;
  int err = X509_STORE_CTX_get_error(ctx);
  if (err == X509_V_ERR_EC_KEY_EXPLICIT_PARAMS) return 1;
  auto* state = static_cast<ChainState*>(X509_STORE_CTX_get_app_data(ctx));
  if (!state || !IsSoft(err)) return 0;
  if (err == X509_V_ERR_UNABLE_TO_GET_CRL) {
    state->crl_missing = true;
    if (state->policy == CrlPolicy::kIfPresent) return 1;
  }
  state->soft_errors.push_back(err);
  return 1;
}

ChainStatus Classify(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return ChainStatus::kExpired;
    case X509_V_ERR_CERT_REVOKED:
      return ChainStatus::kRevoked;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return ChainStatus::kNoAnchor;
    default:
      return IsSoft(err) ? ChainStatus::kRevocationUnknown : ChainStatus::kInvalid;
  }
}

// The most serious of the recorded soft errors: revoked, expired, then
// revocation unknown.
int WorstSoftError(const std::vector<int>& errors) {
  int worst = errors.front();
  auto rank = [](int e) {
    ChainStatus s = Classify(e);
    return s == ChainStatus::kRevoked ? 3 : s == ChainStatus::kExpired ? 2 : 1;
  };
  for (int e : errors) {
    if (rank(e) > rank(worst)) worst = e;
  }
  return worst;
}

}  // namespace

void VerifyChain(const TrustAnchors::Impl& anchors, X509* leaf, STACK_OF(X509) * untrusted,
                 std::time_t at, SignerInfo* signer) {
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  ChainState state{anchors.policy, false, {}};
  if (!ctx || X509_STORE_CTX_init(ctx.get(), anchors.store.get(), leaf, untrusted) != 1) {
    signer->chain = ChainStatus::kInvalid;
    signer->chain_detail = OpensslError();
    return;
  }
  X509_STORE_CTX_set_app_data(ctx.get(), &state);
  X509_STORE_CTX_set_verify_cb(ctx.get(), ChainCallback);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
  if (anchors.policy != CrlPolicy::kIgnore) flags |= X509_V_FLAG_CRL_CHECK;
  X509_STORE_CTX_set_flags(ctx.get(), flags);
  X509_STORE_CTX_set_time(ctx.get(), 0, at);
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  if (ok == 1 && !state.soft_errors.empty()) {
    ok = 0;
    err = WorstSoftError(state.soft_errors);
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  if (chain && sk_X509_num(chain) > 1) {
    X509_NAME* anchor = X509_get_subject_name(sk_X509_value(chain, sk_X509_num(chain) - 1));
    signer->csca = NameText(anchor);
    signer->csca_country = NameEntry(anchor, NID_countryName);
  }
  if (anchors.policy == CrlPolicy::kIgnore) {
    signer->crl = "ignored";
  } else {
    signer->crl = state.crl_missing ? "none" : "checked";
  }
  if (ok == 1) {
    signer->chain = ChainStatus::kValid;
    signer->chain_detail.clear();
  } else {
    signer->chain = Classify(err);
    signer->chain_detail = X509_verify_cert_error_string(err);
    for (int e : state.soft_errors) {
      if (e == X509_V_ERR_CRL_HAS_EXPIRED) signer->crl = "expired";
    }
  }
  ERR_clear_error();
}

}  // namespace tdv::sig
