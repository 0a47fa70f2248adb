// SPDX-License-Identifier: Apache-2.0
// Small helpers the SQLite-backed stores (keys, audit trail) share.
#ifndef TDV_SRC_LISTS_SQLITE_UTIL_H_
#define TDV_SRC_LISTS_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <memory>
#include <string>

#include "tdv/mrz/result.h"

namespace tdv::lists::internal {

// A column's text ("" for NULL).
inline std::string ColumnText(sqlite3_stmt* s, int column) {
  const unsigned char* t = sqlite3_column_text(s, column);
  return t != nullptr ? reinterpret_cast<const char*>(t) : "";
}

// A statement, or nullptr (sqlite3_errmsg says why).
inline sqlite3_stmt* PrepareStatement(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    return nullptr;
  return s;
}

// Opens `path` (created if needed) as a Store(sqlite3*) and runs its
// Init(); kUnavailable naming `what` when either fails.
template <class Store, class Interface>
Result<std::unique_ptr<Interface>> OpenSqliteStore(const std::string& path,
                                                   const std::string& what) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Error{ErrorCode::kUnavailable, "cannot open " + what + " " + path + ": " + message};
  }
  auto store = std::make_unique<Store>(db);
  if (Status s = store->Init(); !s) return s.error();
  return std::unique_ptr<Interface>(std::move(store));
}

}  // namespace tdv::lists::internal

#endif  // TDV_SRC_LISTS_SQLITE_UTIL_H_
