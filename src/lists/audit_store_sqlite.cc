// SPDX-License-Identifier: Apache-2.0
// The SQLite audit store: one table `audit` (seq = rowid) in its own file,
// WAL mode, indexed by document only (every index page is written on each
// commit: a time index cost about 15 % of the grouped write rate; time filters
// scan from `after`). synchronous=NORMAL: a committed entry survives the process
// dying; the last moments before a power cut may not (README, "Audit").
#include <mutex>

#include "sqlite_util.h"
#include "tdv/lists/audit_store.h"

namespace tdv::lists {
namespace {

using internal::ColumnText;

constexpr const char* kColumns =
    "seq, time, key_id, action, document, document_number, verdict, reasons, detail, mac";

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(sqlite3* db) : db_(db) {}
  ~SqliteAuditStore() override {
    sqlite3_finalize(insert_);
    sqlite3_close_v2(db_);
  }

  Status Init() {
    const char* sql = R"sql(
      PRAGMA journal_mode=WAL;
      PRAGMA synchronous=NORMAL;
      PRAGMA cache_size=-65536;
      CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        key_id TEXT NOT NULL,
        action TEXT NOT NULL,
        document TEXT NOT NULL,
        document_number TEXT NOT NULL,
        verdict TEXT NOT NULL,
        reasons TEXT NOT NULL,
        detail TEXT NOT NULL,
        mac TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS audit_by_document ON audit(document);
    )sql";
    sqlite3_busy_timeout(db_, 10000);
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err != nullptr ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Error{ErrorCode::kUnavailable, "audit trail: " + message};
    }
    return {};
  }

  Status Append(std::vector<TrailEntry>& entries, const Seal& seal) override {
    if (entries.empty()) return {};
    std::lock_guard lock(mu_);
    // IMMEDIATE: the write lock before the last entry is read, so that two
    // processes cannot both chain onto it.
    if (!Exec("BEGIN IMMEDIATE")) return Failure();
    std::int64_t seq = 0;
    std::string prev;
    sqlite3_stmt* last = Prepare("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1");
    if (last == nullptr) return Rollback();
    const int rc = sqlite3_step(last);
    if (rc == SQLITE_ROW) {
      seq = sqlite3_column_int64(last, 0);
      prev = ColumnText(last, 1);
    }
    sqlite3_finalize(last);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Rollback();
    if (insert_ == nullptr) {
      insert_ = Prepare(std::string("INSERT INTO audit (") + kColumns +
                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
      if (insert_ == nullptr) return Rollback();
    }
    for (TrailEntry& e : entries) {
      e.seq = ++seq;
      e.mac = seal(e, prev);
      prev = e.mac;
      sqlite3_bind_int64(insert_, 1, e.seq);
      int i = 2;
      for (const std::string* v : {&e.time, &e.key_id, &e.action, &e.document, &e.document_number,
                                   &e.verdict, &e.reasons, &e.detail, &e.mac}) {
        sqlite3_bind_text(insert_, i++, v->data(), static_cast<int>(v->size()), SQLITE_STATIC);
      }
      const int step = sqlite3_step(insert_);
      sqlite3_reset(insert_);
      if (step != SQLITE_DONE) return Rollback();
    }
    if (!Exec("COMMIT")) return Rollback();
    return {};
  }

  Status Scan(std::int64_t after_seq,
              const std::function<bool(const TrailEntry&)>& visit) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s =
        Prepare(std::string("SELECT ") + kColumns + " FROM audit WHERE seq > ?1 ORDER BY seq");
    if (s == nullptr) return Failure();
    sqlite3_bind_int64(s, 1, after_seq);
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (!visit(Row(s))) {
        rc = SQLITE_DONE;
        break;
      }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return Failure();
    return {};
  }

  Result<std::vector<TrailEntry>> Query(const TrailQuery& q) override {
    std::lock_guard lock(mu_);
    std::string sql = std::string("SELECT ") + kColumns + " FROM audit WHERE seq > ?1";
    std::vector<const std::string*> args;
    auto filter = [&](const std::string& value, const char* clause) {
      if (value.empty()) return;
      args.push_back(&value);
      sql += " AND " + std::string(clause) + std::to_string(args.size() + 1);
    };
    filter(q.from, "time >= ?");
    filter(q.to, "time < ?");
    filter(q.key_id, "key_id = ?");
    filter(q.action, "action = ?");
    filter(q.verdict, "verdict = ?");
    filter(q.document, "document = ?");
    sql += " ORDER BY seq LIMIT " + std::to_string(q.limit);
    sqlite3_stmt* s = Prepare(sql);
    if (s == nullptr) return Failure();
    sqlite3_bind_int64(s, 1, q.after_seq);
    for (std::size_t i = 0; i < args.size(); ++i) {
      sqlite3_bind_text(s, static_cast<int>(i) + 2, args[i]->data(),
                        static_cast<int>(args[i]->size()), SQLITE_STATIC);
    }
    std::vector<TrailEntry> out;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(Row(s));
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return Failure();
    return out;
  }

 private:
  bool Exec(const char* sql) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  sqlite3_stmt* Prepare(const std::string& sql) { return internal::PrepareStatement(db_, sql); }
  static TrailEntry Row(sqlite3_stmt* s) {
    TrailEntry e;
    e.seq = sqlite3_column_int64(s, 0);
    e.time = ColumnText(s, 1);
    e.key_id = ColumnText(s, 2);
    e.action = ColumnText(s, 3);
    e.document = ColumnText(s, 4);
    e.document_number = ColumnText(s, 5);
    e.verdict = ColumnText(s, 6);
    e.reasons = ColumnText(s, 7);
    e.detail = ColumnText(s, 8);
    e.mac = ColumnText(s, 9);
    return e;
  }
  Error Failure() const {
    return Error{ErrorCode::kUnavailable, std::string("audit trail: ") + sqlite3_errmsg(db_)};
  }
  Error Rollback() {
    Error e = Failure();
    Exec("ROLLBACK");
    return e;
  }

  sqlite3* db_;
  sqlite3_stmt* insert_ = nullptr;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<AuditStore>> OpenSqliteAuditStore(const std::string& path) {
  return internal::OpenSqliteStore<SqliteAuditStore, AuditStore>(path, "audit trail");
}

}  // namespace tdv::lists
