// SPDX-License-Identifier: Apache-2.0
// The SQLite key store: one table `api_keys` in the store's file, and a
// change counter beside it (FILE-keys.gen) that every change bumps after its
// commit.
#include <mutex>

#include "shared_counter.h"
#include "sqlite_util.h"
#include "store_common.h"
#include "tdv/lists/key_store.h"

namespace tdv::lists {
namespace {

using internal::NowRfc3339;
using internal::OsReason;

using internal::ColumnText;

class SqliteKeyStore final : public KeyStore {
 public:
  explicit SqliteKeyStore(sqlite3* db) : db_(db) {}
  ~SqliteKeyStore() override {
    sqlite3_finalize(find_);
    sqlite3_close_v2(db_);
  }

  Status Init() {
    char* err = nullptr;
    const char* sql = R"sql(
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        source TEXT NOT NULL,
        label TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT NOT NULL DEFAULT '');
    )sql";
    sqlite3_busy_timeout(db_, 5000);
    if (sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = (err != nullptr ? err : sqlite3_errmsg(db_)) + OsReason(db_);
      sqlite3_free(err);
      return Error{ErrorCode::kUnavailable, "key store: " + message};
    }
    // Without the counter (a read-only directory) every lookup reads the
    // table: slower, never stale.
    if (const char* file = sqlite3_db_filename(db_, "main"); file != nullptr && *file != '\0')
      (void)changes_.Open(std::string(file) + "-keys.gen");
    return {};
  }

  std::uint64_t Generation() const override { return changes_.Load(); }

  Status Add(const KeyRecord& key) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s = Prepare(
        "INSERT INTO api_keys (id, role, source, label, secret_hash, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (s == nullptr) return Failure();
    Bind(s, 1, key.id);
    Bind(s, 2, key.role);
    Bind(s, 3, key.source);
    Bind(s, 4, key.label);
    Bind(s, 5, key.secret_hash);
    Bind(s, 6, key.created_at.empty() ? NowRfc3339() : key.created_at);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_CONSTRAINT)
      return Error{ErrorCode::kInvalidInput, "key " + key.id + " exists"};
    if (rc != SQLITE_DONE) return Failure();
    changes_.Bump();
    return {};
  }

  // Every request's key is looked up here: one statement prepared once.
  Result<std::optional<KeyRecord>> Find(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (find_ == nullptr) find_ = Prepare(std::string(kSelect) + " WHERE id = ?1");
    if (find_ == nullptr) return Failure();
    Bind(find_, 1, id);
    const int rc = sqlite3_step(find_);
    std::optional<KeyRecord> out;
    if (rc == SQLITE_ROW) out = Row(find_);
    sqlite3_reset(find_);
    sqlite3_clear_bindings(find_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Failure();
    return out;
  }

  Result<std::vector<KeyRecord>> List() override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s = Prepare(std::string(kSelect) + " ORDER BY created_at, id");
    if (s == nullptr) return Failure();
    std::vector<KeyRecord> out;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(Row(s));
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return Failure();
    return out;
  }

  Status Revoke(const std::string& id) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s =
        Prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = ''");
    if (s == nullptr) return Failure();
    Bind(s, 1, id);
    Bind(s, 2, NowRfc3339());
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return Failure();
    if (sqlite3_changes(db_) == 1) {
      changes_.Bump();  // after the commit: a reader that sees it reads the revocation
      return {};
    }
    sqlite3_stmt* q = Prepare("SELECT 1 FROM api_keys WHERE id = ?1");
    if (q == nullptr) return Failure();
    Bind(q, 1, id);
    const bool exists = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    if (!exists) return Error{ErrorCode::kNotFound, "no key " + id};
    return Error{ErrorCode::kInvalidInput, "key " + id + " is revoked already"};
  }

 private:
  static constexpr const char* kSelect =
      "SELECT id, role, source, label, secret_hash, created_at, revoked_at FROM api_keys";

  sqlite3_stmt* Prepare(const std::string& sql) { return internal::PrepareStatement(db_, sql); }
  static void Bind(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  static KeyRecord Row(sqlite3_stmt* s) {
    return {ColumnText(s, 0), ColumnText(s, 1), ColumnText(s, 2), ColumnText(s, 3),
            ColumnText(s, 4), ColumnText(s, 5), ColumnText(s, 6)};
  }
  Error Failure() const {
    return Error{ErrorCode::kUnavailable,
                 std::string("key store: ") + sqlite3_errmsg(db_) + OsReason(db_)};
  }

  sqlite3* db_;
  sqlite3_stmt* find_ = nullptr;
  internal::SharedCounter changes_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<KeyStore>> OpenSqliteKeyStore(const std::string& path) {
  return internal::OpenSqliteStore<SqliteKeyStore, KeyStore>(path, "key store");
}

}  // namespace tdv::lists
