// SPDX-License-Identifier: Apache-2.0
#include "tdv/lists/audit_store.h"
#include "tdv/lists/key_store.h"
#include "tdv/lists/list_store.h"

namespace tdv::lists {

#ifndef TDV_HAVE_POSTGRES
Result<std::unique_ptr<ListStore>> OpenPostgresStore(const std::string&) {
  return Error{ErrorCode::kUnsupported, "this TDV was built without PostgreSQL support"};
}
Result<std::unique_ptr<KeyStore>> OpenPostgresKeyStore(const std::string&) {
  return Error{ErrorCode::kUnsupported, "this TDV was built without PostgreSQL support"};
}
Result<std::unique_ptr<AuditStore>> OpenPostgresAuditStore(const std::string&) {
  return Error{ErrorCode::kUnsupported, "this TDV was built without PostgreSQL support"};
}
#endif

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 ||
         url.find("dbname=") != std::string::npos || url.find("host=") != std::string::npos;
}

Result<std::unique_ptr<ListStore>> OpenStore(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) return OpenSqliteStore(url.substr(7));
  if (IsPostgresUrl(url)) return OpenPostgresStore(url);
  return Error{ErrorCode::kInvalidInput,
               "store '" + url + "' must be sqlite:PATH or a PostgreSQL URL (postgresql://...)"};
}

}  // namespace tdv::lists
