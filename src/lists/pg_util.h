// SPDX-License-Identifier: Apache-2.0
// What the PostgreSQL stores (lists, keys, audit trail) share: results that
// clear themselves, text parameters, one statement with its error, a
// connection.
#ifndef TDV_SRC_LISTS_PG_UTIL_H_
#define TDV_SRC_LISTS_PG_UTIL_H_

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::lists::internal {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Parameters as text, NULL for an empty optional.
class Params {
 public:
  Params& Add(const std::string& v) {
    values_.push_back(v);
    nulls_.push_back(false);
    return *this;
  }
  Params& Add(std::int64_t v) { return Add(std::to_string(v)); }
  Params& Optional(const std::string& v) {
    values_.push_back(v);
    nulls_.push_back(v.empty());
    return *this;
  }
  std::vector<const char*> Pointers() const {
    std::vector<const char*> p;
    for (std::size_t i = 0; i < values_.size(); ++i)
      p.push_back(nulls_[i] ? nullptr : values_[i].c_str());
    return p;
  }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

// Runs `sql` on `conn`, first made anew if it dropped: outside a
// transaction, what the server sent while the connection sat idle is read
// first, so that a server restarted (or the connection ended by an
// administrator) since the last statement is found before this one is sent,
// never by failing it. kInvalidInput for a unique violation, kUnavailable
// when the server is gone, kInternal for other failures, each with the
// server's message.
inline Result<PgResult> PgExec(PGconn* conn, const std::string& sql, const Params& params = {}) {
  if (PQtransactionStatus(conn) == PQTRANS_IDLE) {
    // A server that ends a connection sends its reason, then closes: one
    // read takes the reason, the next finds the end (libpq never blocks).
    for (int i = 0; i < 3 && PQstatus(conn) == CONNECTION_OK; ++i) {
      if (PQconsumeInput(conn) == 0) break;
    }
  }
  if (PQstatus(conn) != CONNECTION_OK) PQreset(conn);
  const auto p = params.Pointers();
  // Without parameters, PQexec (which also runs several statements).
  PgResult r(params.size() == 0 ? PQexec(conn, sql.c_str())
                                : PQexecParams(conn, sql.c_str(), params.size(), nullptr, p.data(),
                                               nullptr, nullptr, 0));
  const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN) {
    std::string msg = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state != nullptr && std::string(state) == "23505")
      return Error{ErrorCode::kInvalidInput, msg};
    const bool down = PQstatus(conn) != CONNECTION_OK;
    return Error{down ? ErrorCode::kUnavailable : ErrorCode::kInternal, "postgres: " + msg};
  }
  return r;
}

// A connection with warnings quiet, and `schema` made under an advisory
// lock (two instances starting at once must not race on CREATE TABLE IF NOT
// EXISTS). kUnavailable when the server cannot be reached.
inline Result<PGconn*> PgConnect(const std::string& conninfo, const std::string& schema) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    PQfinish(conn);
    return Error{ErrorCode::kUnavailable, "postgres: cannot connect: " + msg};
  }
  Status st = PgExec(conn, "SET client_min_messages = warning").has_value()
                  ? Status{}
                  : Status{Error{ErrorCode::kUnavailable, "postgres: cannot configure"}};
  if (st) {
    auto locked = PgExec(conn, "SELECT pg_advisory_lock(7214)");
    if (!locked) st = locked.error();
  }
  if (st) {
    auto made = PgExec(conn, schema);
    (void)PgExec(conn, "SELECT pg_advisory_unlock(7214)");
    if (!made) st = made.error();
  }
  if (!st) {
    PQfinish(conn);
    return st.error();
  }
  return conn;
}

}  // namespace tdv::lists::internal

#endif  // TDV_SRC_LISTS_PG_UTIL_H_
