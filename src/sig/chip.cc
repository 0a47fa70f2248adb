// SPDX-License-Identifier: Apache-2.0
#include "tdv/sig/chip.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <string_view>
#include <utility>

#include "der.h"
#include "ossl.h"

namespace tdv::sig {
namespace {

constexpr const char* kLdsSecurityObjectOid = "2.23.136.1.1.1";
// BSI TR-03110 Part 3: id-SecurityObject, EF.CardSecurity's content type.
constexpr const char* kCardSecurityObjectOid = "0.4.0.127.0.7.3.2.1";

struct Alpha2 {
  const char* a3;
  const char* a2;
};
constexpr Alpha2 kAlpha2[] = {
#include "alpha2_table.inc"
};

std::string ObjText(const ASN1_OBJECT* obj, bool numeric) {
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, obj, numeric ? 1 : 0);
  return buf;
}

// A name as a sorted set of (type, value): issuer names compared regardless
// of RDN order (some states' SignerInfos list them in another order).
std::multiset<std::pair<std::string, std::string>> SortedRdns(const X509_NAME* name) {
  std::multiset<std::pair<std::string, std::string>> out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(e);
    out.emplace(ObjText(X509_NAME_ENTRY_get_object(e), true),
                std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                            static_cast<std::size_t>(ASN1_STRING_length(s))));
  }
  return out;
}

// The document signer certificate of `si` among `candidates`: an exact match
// first, then issuer RDNs in any order with the same serial.
X509* FindSigner(CMS_SignerInfo* si, const std::vector<X509*>& candidates) {
  for (X509* c : candidates) {
    if (CMS_SignerInfo_cert_cmp(si, c) == 0) return c;
  }
  ASN1_OCTET_STRING* keyid = nullptr;
  X509_NAME* issuer = nullptr;
  ASN1_INTEGER* serial = nullptr;
  if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) != 1 || !issuer || !serial)
    return nullptr;
  auto wanted = SortedRdns(issuer);
  for (X509* c : candidates) {
    if (ASN1_INTEGER_cmp(X509_get0_serialNumber(c), serial) == 0 &&
        SortedRdns(X509_get_issuer_name(c)) == wanted) {
      return c;
    }
  }
  return nullptr;
}

struct LdsSecurityObject {
  const EVP_MD* md = nullptr;
  std::string hash_name;
  std::vector<std::pair<int, std::vector<std::uint8_t>>> hashes;
};

bool ParseLdsSecurityObject(std::span<const std::uint8_t> der, LdsSecurityObject* lds) {
  DerReader top(der), seq, alg, list;
  int version = 0;
  std::span<const std::uint8_t> oid;
  if (!top.Enter(0x30, &seq) || !seq.ReadSmallInt(&version) || !seq.Enter(0x30, &alg) ||
      !alg.ReadTlv(0x06, &oid) || !seq.Enter(0x30, &list)) {
    return false;
  }
  const unsigned char* p = oid.data();
  ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(oid.size()));
  if (!obj) return false;
  lds->md = EVP_get_digestbyobj(obj);
  lds->hash_name = ObjText(obj, false);
  ASN1_OBJECT_free(obj);
  if (!lds->md) return false;
  while (!list.done()) {
    DerReader item;
    int number = 0;
    std::span<const std::uint8_t> hash;
    if (!list.Enter(0x30, &item) || !item.ReadSmallInt(&number) || !item.Read(0x04, &hash))
      return false;
    lds->hashes.emplace_back(number, std::vector<std::uint8_t>(hash.begin(), hash.end()));
  }
  return true;
}

ChipVerification Fail(ChipVerification out, ChipStatus status, std::string detail) {
  out.status = status;
  out.detail = std::move(detail);
  ERR_clear_error();
  return out;
}

// Every data group read against the LDS security object (all of them, so
// that the report lists each): `not_in_sod` when one is not signed,
// `mismatch` when a hash differs; the signed ones not given are not_read.
// false: the security object is unreadable or names an unknown hash.
bool CheckDataGroups(const ChipData& chip, std::span<const std::uint8_t> content,
                     ChipVerification& out, bool& not_in_sod, bool& mismatch) {
  LdsSecurityObject lds;
  if (!ParseLdsSecurityObject(content, &lds)) return false;
  out.hash_algorithm = lds.hash_name;
  for (const auto& [dg_number, bytes] : chip.data_groups) {
    const int number = dg_number;  // (clang 14 cannot capture a structured binding)
    DataGroupCheck check{number, "valid"};
    auto it = std::find_if(lds.hashes.begin(), lds.hashes.end(),
                           [&](const auto& h) { return h.first == number; });
    if (it == lds.hashes.end()) {
      check.status = "not_in_sod";
      not_in_sod = true;
    } else {
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      EVP_Digest(bytes.data(), bytes.size(), md, &len, lds.md, nullptr);
      if (it->second.size() != len || std::memcmp(it->second.data(), md, len) != 0) {
        check.status = "hash_mismatch";
        mismatch = true;
      }
    }
    out.data_groups.push_back(check);
  }
  for (const auto& [number, hash] : lds.hashes) {
    if (!chip.data_groups.count(number)) out.data_groups.push_back({number, "not_read"});
  }
  std::sort(out.data_groups.begin(), out.data_groups.end(),
            [](const DataGroupCheck& a, const DataGroupCheck& b) { return a.number < b.number; });
  return true;
}

}  // namespace

// DG1 = 61 L 5F1F L <MRZ>: the two-byte tag 5F1F is read as 5F, then a
// TLV with tag 1F.
std::string Dg1Mrz(std::span<const std::uint8_t> dg1) {
  DerReader top(dg1);
  std::span<const std::uint8_t> inner, body;
  if (!top.Read(0x61, &inner) || inner.size() < 2 || inner[0] != 0x5F) return {};
  DerReader field(inner.subspan(1));
  if (!field.Read(0x1F, &body)) return {};
  if (body.size() != 88 && body.size() != 72 && body.size() != 90) return {};
  return std::string(body.begin(), body.end());
}

const char* ChipStatusName(ChipStatus status) noexcept {
  switch (status) {
    case ChipStatus::kValid:
      return "valid";
    case ChipStatus::kInvalidSignature:
      return "invalid_signature";
    case ChipStatus::kHashMismatch:
      return "hash_mismatch";
    case ChipStatus::kDataGroupNotInSod:
      return "data_group_not_in_sod";
    case ChipStatus::kUnknownCsca:
      return "unknown_csca";
    case ChipStatus::kExpired:
      return "expired";
    case ChipStatus::kRevoked:
      return "revoked";
    case ChipStatus::kRevocationUnknown:
      return "revocation_unknown";
    case ChipStatus::kCountryMismatch:
      return "country_mismatch";
    case ChipStatus::kMalformed:
      return "malformed";
    case ChipStatus::kDataGroupsNotRead:
      return "data_groups_not_read";
  }
  return "?";
}

std::string Alpha2ForMrzCode(const std::string& code) {
  std::string c = code;
  c.erase(std::remove(c.begin(), c.end(), '<'), c.end());
  auto it = std::lower_bound(
      std::begin(kAlpha2), std::end(kAlpha2), c,
      [](const Alpha2& a, const std::string& k) { return std::strcmp(a.a3, k.c_str()) < 0; });
  if (it == std::end(kAlpha2) || c != it->a3) return "";
  return it->a2;
}

ChipVerification VerifyChip(const ChipData& chip, const TrustAnchors* anchors, std::time_t at) {
  ChipVerification out;
  // EF.SOD: [APPLICATION 23] around a CMS ContentInfo.
  std::span<const std::uint8_t> cms_der = chip.sod;
  if (!chip.sod.empty() && chip.sod[0] == 0x77) {
    DerReader wrapper(chip.sod);
    if (!wrapper.Read(0x77, &cms_der))
      return Fail(out, ChipStatus::kMalformed, "EF.SOD: bad 0x77 wrapper");
  }
  const unsigned char* p = cms_der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(cms_der.size())));
  if (!cms) return Fail(out, ChipStatus::kMalformed, "EF.SOD is not a CMS ContentInfo");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return Fail(out, ChipStatus::kMalformed, "EF.SOD is not CMS SignedData");
  }
  out.kind = chip.card_security ? "ef_card_security" : "ef_sod";
  const std::string content_type = ObjText(CMS_get0_eContentType(cms.get()), true);
  if (chip.card_security && content_type != kCardSecurityObjectOid) {
    return Fail(out, ChipStatus::kMalformed,
                "EF.CardSecurity does not hold SecurityInfos (id-SecurityObject)");
  }
  if (!chip.card_security && content_type != kLdsSecurityObjectOid) {
    return Fail(out, ChipStatus::kMalformed, "EF.SOD does not hold an LDS security object");
  }
  if (chip.card_security && !chip.data_groups.empty()) {
    return Fail(out, ChipStatus::kMalformed,
                "EF.CardSecurity covers no data groups: give them with EF.SOD");
  }
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  if (!infos || sk_CMS_SignerInfo_num(infos) != 1) {
    return Fail(out, ChipStatus::kMalformed, "EF.SOD must have exactly one signer");
  }
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  X509_ALGOR* digest_alg = nullptr;
  X509_ALGOR* sig_alg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, &sig_alg);
  if (sig_alg) {
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, sig_alg);
    out.signature_algorithm = ObjText(obj, false);
  }

  // The document signer: in the SOD, or a signer certificate in the store.
  X509StackPtr embedded(CMS_get1_certs(cms.get()));
  std::vector<X509*> candidates;
  for (int i = 0; embedded && i < sk_X509_num(embedded.get()); ++i)
    candidates.push_back(sk_X509_value(embedded.get(), i));
  const TrustAnchors::Impl* impl = anchors ? &anchors->impl() : nullptr;
  if (impl) {
    for (const auto& c : impl->signers) candidates.push_back(c.get());
  }
  X509* ds = FindSigner(si, candidates);
  if (!ds) {
    return Fail(out, ChipStatus::kUnknownCsca,
                "the document signer certificate is neither in EF.SOD nor in the trust store");
  }
  out.signer = DescribeCert(ds);
  CMS_SignerInfo_set1_signer_cert(si, ds);
  BioPtr content(BIO_new(BIO_s_mem()));
  if (CMS_verify(cms.get(), nullptr, nullptr, nullptr, content.get(),
                 CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    out.signature = "invalid";
    return Fail(out, ChipStatus::kInvalidSignature, "EF.SOD signature: " + OpensslError());
  }
  out.signature = "valid";
  char* data = nullptr;
  long n = BIO_get_mem_data(content.get(), &data);
  bool not_in_sod = false, mismatch = false;
  if (chip.card_security) {
    // SecurityInfos ::= SET OF SecurityInfo: the chip's keys and protocols.
    if (n < 2 || static_cast<unsigned char>(data[0]) != 0x31)
      return Fail(out, ChipStatus::kMalformed, "EF.CardSecurity: SecurityInfos is not a SET");
  } else if (!CheckDataGroups(
                 chip, {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n)},
                 out, not_in_sod, mismatch)) {
    return Fail(out, ChipStatus::kMalformed,
                "EF.SOD: unreadable LDS security object or unknown hash");
  }
  // Without DG1 (a reader that failed on it, an integrator sending EF.SOD
  // first) everything but the data groups is still checked.
  auto dg1 = chip.data_groups.find(1);
  if (dg1 != chip.data_groups.end()) {
    out.dg1_mrz = Dg1Mrz(dg1->second);
    if (out.dg1_mrz.empty()) return Fail(out, ChipStatus::kMalformed, "DG1 does not hold an MRZ");
  }

  if (!impl) return Fail(out, ChipStatus::kUnknownCsca, "no trust store");
  VerifyChain(*impl, ds, embedded.get(), at, &*out.signer);
  switch (out.signer->chain) {
    case ChainStatus::kValid:
      break;
    case ChainStatus::kExpired:
      return Fail(out, ChipStatus::kExpired, out.signer->chain_detail);
    case ChainStatus::kRevoked:
      return Fail(out, ChipStatus::kRevoked, out.signer->chain_detail);
    case ChainStatus::kRevocationUnknown:
      return Fail(out, ChipStatus::kRevocationUnknown, out.signer->chain_detail);
    default:
      return Fail(out, ChipStatus::kUnknownCsca, out.signer->chain_detail);
  }
  const std::string state = out.dg1_mrz.empty() ? "" : out.dg1_mrz.substr(2, 3);
  const std::string alpha2 = Alpha2ForMrzCode(state);
  // Country names are compared without regard to case: RFC 5280 leaves a
  // PrintableString's case to the issuer, and British certificates of 2011
  // write C=gb.
  auto same = [](const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::toupper(static_cast<unsigned char>(x)) ==
                    std::toupper(static_cast<unsigned char>(y));
           });
  };
  if ((!out.dg1_mrz.empty() && (alpha2.empty() || !same(alpha2, out.signer->country))) ||
      !same(out.signer->country, out.signer->csca_country)) {
    return Fail(out, ChipStatus::kCountryMismatch,
                "DG1 issuing state " + state + " (" + (alpha2.empty() ? "no state" : alpha2) +
                    "), document signer C=" + out.signer->country +
                    ", CSCA C=" + out.signer->csca_country);
  }
  if (not_in_sod)
    return Fail(out, ChipStatus::kDataGroupNotInSod, "a data group read is not in EF.SOD");
  if (mismatch)
    return Fail(out, ChipStatus::kHashMismatch, "a data group's hash differs from EF.SOD");
  if (out.dg1_mrz.empty() && !chip.card_security) {
    return Fail(out, ChipStatus::kDataGroupsNotRead,
                "EF.SOD and its signer verify, but DG1 was not given: the chip's data cannot be "
                "compared with what EF.SOD signs");
  }
  out.status = ChipStatus::kValid;
  return out;
}

}  // namespace tdv::sig
