// SPDX-License-Identifier: Apache-2.0
// Small helpers the SQLite-backed stores (keys, audit trail) share.
#ifndef TDV_SRC_LISTS_SQLITE_UTIL_H_
#define TDV_SRC_LISTS_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <cstring>
#include <memory>
#include <string>

#include "tdv/mrz/result.h"

namespace tdv::lists::internal {

// A column's text ("" for NULL).
inline std::string ColumnText(sqlite3_stmt* s, int column) {
  const unsigned char* t = sqlite3_column_text(s, column);
  return t != nullptr ? reinterpret_cast<const char*>(t) : "";
}

// What lies behind SQLite's last error when it is the file system's, as
// " (reason)": "disk I/O error" says little to whoever must free the space.
// The operating system's reason when SQLite kept it; for a failed write
// (which a full file system or a file-size limit causes) a hint at that
// (SQLITE_FULL says "database or disk is full" itself).
inline std::string OsReason(sqlite3* db) {
  const int extended = sqlite3_extended_errcode(db), code = extended & 0xff;
  if (code != SQLITE_IOERR && code != SQLITE_FULL && code != SQLITE_CANTOPEN) return "";
  if (const int os = sqlite3_system_errno(db); os != 0)
    return std::string(" (") + std::strerror(os) + ")";
  if (extended == SQLITE_IOERR_WRITE || extended == SQLITE_IOERR_FSYNC ||
      extended == SQLITE_IOERR_TRUNCATE || extended == SQLITE_IOERR_SHMSIZE)
    return " (a write failed: is the file system full, or a file-size limit reached?)";
  return "";
}

// A statement, or nullptr (sqlite3_errmsg says why).
inline sqlite3_stmt* PrepareStatement(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    return nullptr;
  return s;
}

// `error` of the store `what` at `path`, saying which file: "key store
// /var/lib/tdv/lists.db: file is not a database" (an error that begins with
// "WHAT: " keeps the rest).
inline Error NameFile(Error error, const std::string& what, const std::string& path) {
  std::string rest = error.message;
  if (rest.rfind(what + ": ", 0) == 0) rest.erase(0, what.size() + 2);
  error.message = what + " " + path + ": " + rest;
  return error;
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
  if (Status s = store->Init(); !s) return NameFile(s.error(), what, path);
  return std::unique_ptr<Interface>(std::move(store));
}

}  // namespace tdv::lists::internal

#endif  // TDV_SRC_LISTS_SQLITE_UTIL_H_
