// SPDX-License-Identifier: Apache-2.0
#include "service_status.h"

#include <ctime>
#include <string>

#include "tdv/sig/trust_store.h"

namespace tdv::app {
namespace {

// The lists as a check sees them, without looking anything up.
lists::ListsCheck ListsNow(const lists::ListService& service) {
  return service.Check(lists::LookupQuery{"", "", ""});
}

std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

struct TrustState {
  bool readable = false;
  std::string error;
  std::size_t csca = 0, signer = 0, crl = 0;
  std::vector<std::string> expired_crls;  // "DE (next update 2026-01-01T00:00:00Z)"
};

TrustState Trust(const ServiceParts& parts) {
  TrustState s;
  if (parts.trust == nullptr || !parts.trust->Current()) {
    s.error = "the trust store could not be loaded from " + parts.trust_dir.string();
    return s;
  }
  auto store = sig::TrustStore::Open(parts.trust_dir);
  if (!store) {
    s.error = store.error().message;
    return s;
  }
  auto entries = store->List();
  if (!entries) {
    s.error = entries.error().message;
    return s;
  }
  s.readable = true;
  for (const sig::TrustEntry& e : *entries) {
    if (e.kind == sig::TrustKind::kCsca) ++s.csca;
    if (e.kind == sig::TrustKind::kSigner) ++s.signer;
    if (e.kind == sig::TrustKind::kCrl) {
      ++s.crl;
      if (sig::CrlExpired(e, std::time(nullptr)))
        s.expired_crls.push_back(e.country + " (next update " + e.not_after + ")");
    }
  }
  return s;
}

}  // namespace

std::vector<http::ReadyCheck> Readiness(const ServiceParts& parts) {
  std::vector<http::ReadyCheck> checks;
  checks.push_back(
      {"model", parts.reader != nullptr,
       (parts.reader != nullptr ? "the OCR model is loaded from " : "no OCR model in ") +
           parts.model_dir + (parts.reader != nullptr ? "" : ": images cannot be read")});
  if (parts.lists != nullptr) {
    const lists::ListsCheck now = ListsNow(*parts.lists);
    using S = lists::ListsCheck::Status;
    const bool none = now.status == S::kNoLists;
    http::ReadyCheck c{"lists", now.status != S::kUnavailable && !(none && parts.require_lists),
                       now.detail};
    if (now.status != S::kUnavailable && !none) {
      c.detail = std::to_string(now.consulted.size()) + " list(s), index refreshed " +
                 std::to_string(now.index_age_seconds) + " s ago;";
      for (const auto& l : now.consulted) {
        c.detail += " " + l.info.name + " (" + l.info.source + ") " + std::to_string(l.indexed) +
                    " records, updated " + std::to_string(l.age_seconds) + " s ago;";
      }
      c.detail.pop_back();
    }
    checks.push_back(std::move(c));
  }
  const TrustState trust = Trust(parts);
  http::ReadyCheck t{"trust", trust.readable, trust.error};
  if (trust.readable) {
    t.detail = std::to_string(trust.csca) + " CSCA(s), " + std::to_string(trust.signer) +
               " signer(s), " + std::to_string(trust.crl) + " CRL(s)";
  }
  checks.push_back(std::move(t));
  if (trust.readable) {
    http::ReadyCheck crls{"crls", true, "every CRL is within its next update"};
    if (!trust.expired_crls.empty()) {
      crls.detail = "past their next update (revocation_unknown for those states):";
      for (const auto& e : trust.expired_crls) crls.detail += " " + e + ";";
      crls.detail.pop_back();
    }
    checks.push_back(std::move(crls));
  }
  return checks;
}

std::vector<http::Gauge> Gauges(const ServiceParts& parts) {
  std::vector<http::Gauge> out;
  if (parts.lists != nullptr) {
    const lists::ListsCheck now = ListsNow(*parts.lists);
    for (const auto& l : now.consulted) {
      out.push_back({"tdv_list_records",
                     "list=\"" + Label(l.info.name) + "\",source=\"" + Label(l.info.source) + "\"",
                     static_cast<double>(l.indexed), "Records of each list in the index."});
    }
    for (const auto& l : now.consulted) {
      out.push_back({"tdv_list_age_seconds",
                     "list=\"" + Label(l.info.name) + "\",source=\"" + Label(l.info.source) + "\"",
                     static_cast<double>(l.age_seconds), "Seconds since each list was updated."});
    }
    out.push_back({"tdv_lists_index_age_seconds", "", static_cast<double>(now.index_age_seconds),
                   "Seconds since the list index was last refreshed."});
  }
  const TrustState trust = Trust(parts);
  if (trust.readable) {
    const char* help = "Entries of the trust store by kind.";
    out.push_back({"tdv_trust_entries", "kind=\"csca\"", static_cast<double>(trust.csca), help});
    out.push_back(
        {"tdv_trust_entries", "kind=\"signer\"", static_cast<double>(trust.signer), help});
    out.push_back({"tdv_trust_entries", "kind=\"crl\"", static_cast<double>(trust.crl), help});
    out.push_back({"tdv_trust_crls_expired", "", static_cast<double>(trust.expired_crls.size()),
                   "CRLs past their next update."});
  }
  return out;
}

}  // namespace tdv::app
