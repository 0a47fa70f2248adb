// SPDX-License-Identifier: Apache-2.0
// The administration routes, mirroring `tdv lists` and `tdv trust`:
//   GET    /v1/lists                                   lists and their versions
//   POST   /v1/lists/{list}/import?source=S&mode=full|delta&skip_bad_rows=true
//                                                       a CSV or JSON Lines file, streamed
//   POST   /v1/lists/{list}/records?source=S           one record (upsert)
//   DELETE /v1/lists/{list}/records/{state}/{type}/{number}?source=S
//   GET    /v1/lists/{list}/changes?limit=N            the list's change history
//   GET    /v1/trust                                   the trust store's entries
//   POST   /v1/trust                                   PEM, DER, CRL or master list
//   DELETE /v1/trust/{id}
// A list-admin key changes the lists of its own source only (its key's
// source; another ?source= is 403), an admin key names the source; the
// store refuses a list another source owns (403). Every change is recorded
// in the audit trail under the caller's key.
#ifndef TDV_SRC_HTTP_ADMIN_H_
#define TDV_SRC_HTTP_ADMIN_H_

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "tdv/http/keys.h"
#include "tdv/lists/list_store.h"
#include "tdv/verify/audit.h"

namespace tdv::http::internal {

struct AdminContext {
  // A connection to the list store, per request (empty: no list routes, 503).
  std::function<Result<std::unique_ptr<lists::ListStore>>()> open_lists;
  std::string trust_dir;  // "" : no trust routes (503)
  verify::AuditTrail* audit = nullptr;
};

// Each answers `res`: JSON, or a problem. `who` is the caller (for source
// rules and the audit trail); `matches` the path's parts.
void ListsStats(const AdminContext& ctx, const httplib::Request& req, httplib::Response& res);
void ListsImport(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                 httplib::Response& res, const httplib::ContentReader& body);
void ListsAddRecord(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                    httplib::Response& res);
void ListsRemoveRecord(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                       httplib::Response& res);
void ListsChanges(const AdminContext& ctx, const httplib::Request& req, httplib::Response& res);
void TrustList(const AdminContext& ctx, const httplib::Request& req, httplib::Response& res);
void TrustImport(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                 httplib::Response& res);
void TrustRemove(const AdminContext& ctx, const Principal& who, const httplib::Request& req,
                 httplib::Response& res);

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_ADMIN_H_
