// SPDX-License-Identifier: Apache-2.0
// API keys and the audit trail in PostgreSQL: with the lists in PostgreSQL,
// every instance shares them (a key revoked on one is refused by all; one
// audit chain). Same tables and semantics as the SQLite versions.
#include <mutex>

#include "pg_util.h"
#include "store_common.h"
#include "tdv/lists/audit_store.h"
#include "tdv/lists/key_store.h"

namespace tdv::lists {
namespace {

using internal::Params;
using internal::PgExec;
using internal::PgResult;

std::string Value(PGresult* r, int row, int col) { return PQgetvalue(r, row, col); }

const char* const kKeySchema = R"sql(
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  source TEXT NOT NULL,
  label TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT '');
)sql";

constexpr const char* kKeySelect =
    "SELECT id, role, source, label, secret_hash, created_at, revoked_at FROM api_keys";

// One connection, serialised (a PGconn is not shared between threads).
class PgKeyStore final : public KeyStore {
 public:
  explicit PgKeyStore(PGconn* conn) : conn_(conn) {}
  ~PgKeyStore() override { PQfinish(conn_); }

  Status Add(const KeyRecord& key) override {
    std::lock_guard lock(mu_);
    auto r = PgExec(conn_,
                    "INSERT INTO api_keys (id, role, source, label, secret_hash, created_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    Params()
                        .Add(key.id)
                        .Add(key.role)
                        .Add(key.source)
                        .Add(key.label)
                        .Add(key.secret_hash)
                        .Add(key.created_at.empty() ? internal::NowRfc3339() : key.created_at));
    if (!r && r.error().code == ErrorCode::kInvalidInput)
      return Error{ErrorCode::kInvalidInput, "key " + key.id + " exists"};
    if (!r) return Unavailable(r.error());
    return {};
  }

  Result<std::optional<KeyRecord>> Find(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto r = PgExec(conn_, std::string(kKeySelect) + " WHERE id = $1", Params().Add(id));
    if (!r) return Unavailable(r.error());
    if (PQntuples(r->get()) == 0) return std::optional<KeyRecord>();
    return std::optional<KeyRecord>(Row(r->get(), 0));
  }

  Result<std::vector<KeyRecord>> List() override {
    std::lock_guard lock(mu_);
    auto r = PgExec(conn_, std::string(kKeySelect) + " ORDER BY created_at, id");
    if (!r) return Unavailable(r.error());
    std::vector<KeyRecord> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(Row(r->get(), i));
    return out;
  }

  Status Revoke(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto r = PgExec(conn_,
                    "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at = '' "
                    "RETURNING id",
                    Params().Add(id).Add(internal::NowRfc3339()));
    if (!r) return Unavailable(r.error());
    if (PQntuples(r->get()) == 1) return {};
    auto exists = PgExec(conn_, "SELECT 1 FROM api_keys WHERE id = $1", Params().Add(id));
    if (!exists) return Unavailable(exists.error());
    if (PQntuples(exists->get()) == 0) return Error{ErrorCode::kNotFound, "no key " + id};
    return Error{ErrorCode::kInvalidInput, "key " + id + " is revoked already"};
  }

 private:
  static KeyRecord Row(PGresult* r, int i) {
    return {Value(r, i, 0), Value(r, i, 1), Value(r, i, 2), Value(r, i, 3),
            Value(r, i, 4), Value(r, i, 5), Value(r, i, 6)};
  }
  static Error Unavailable(const Error& e) {
    return Error{ErrorCode::kUnavailable, "key store: " + e.message};
  }

  PGconn* conn_;
  std::mutex mu_;
};

const char* const kAuditSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit (
  seq BIGINT PRIMARY KEY,
  time TEXT NOT NULL,
  key_id TEXT NOT NULL,
  action TEXT NOT NULL,
  document TEXT NOT NULL,
  document_number TEXT NOT NULL,
  verdict TEXT NOT NULL,
  reasons TEXT NOT NULL,
  detail TEXT NOT NULL,
  mac TEXT NOT NULL);
ALTER TABLE audit ADD COLUMN IF NOT EXISTS personal TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS audit_by_document ON audit(document);
CREATE TABLE IF NOT EXISTS audit_erased (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  upto BIGINT NOT NULL);
)sql";

constexpr const char* kAuditColumns =
    "seq, time, key_id, action, document, document_number, verdict, reasons, detail, mac, "
    "personal";
constexpr int kAuditFields = 11;
constexpr std::size_t kRowsPerInsert = 2000;  // 20,000 parameters (the limit is 65,535)
constexpr int kScanChunk = 20000;

class PgAuditStore final : public AuditStore {
 public:
  explicit PgAuditStore(PGconn* conn) : conn_(conn) {}
  ~PgAuditStore() override { PQfinish(conn_); }

  Status Append(std::vector<TrailEntry>& entries, const Seal& seal) override {
    if (entries.empty()) return {};
    std::lock_guard lock(mu_);
    if (auto r = PgExec(conn_, "BEGIN"); !r) return Unavailable(r.error());
    auto fail = [&](const Error& e) {
      (void)PgExec(conn_, "ROLLBACK");
      return Unavailable(e);
    };
    // Every instance appends to one chain: the table lock before the last
    // entry is read (readers are not blocked).
    if (auto r = PgExec(conn_, "LOCK TABLE audit IN EXCLUSIVE MODE"); !r) return fail(r.error());
    auto last = PgExec(conn_, "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1");
    if (!last) return fail(last.error());
    std::int64_t seq = 0;
    std::string prev;
    if (PQntuples(last->get()) == 1) {
      seq = std::stoll(Value(last->get(), 0, 0));
      prev = Value(last->get(), 0, 1);
    }
    for (std::size_t start = 0; start < entries.size(); start += kRowsPerInsert) {
      const std::size_t end = std::min(entries.size(), start + kRowsPerInsert);
      std::string sql = std::string("INSERT INTO audit (") + kAuditColumns + ") VALUES ";
      Params params;
      for (std::size_t i = start; i < end; ++i) {
        TrailEntry& e = entries[i];
        e.seq = ++seq;
        e.mac = seal(e, prev);
        prev = e.mac;
        const int base = static_cast<int>(i - start) * kAuditFields;
        sql += i == start ? "(" : ", (";
        for (int f = 1; f <= kAuditFields; ++f)
          sql += (f > 1 ? ", $" : "$") + std::to_string(base + f);
        sql += ")";
        params.Add(e.seq)
            .Add(e.time)
            .Add(e.key_id)
            .Add(e.action)
            .Add(e.document)
            .Add(e.document_number)
            .Add(e.verdict)
            .Add(e.reasons)
            .Add(e.detail)
            .Add(e.mac)
            .Add(e.personal);
      }
      if (auto r = PgExec(conn_, sql, params); !r) return fail(r.error());
    }
    if (auto r = PgExec(conn_, "COMMIT"); !r) return fail(r.error());
    return {};
  }

  Status Scan(std::int64_t after_seq,
              const std::function<bool(const TrailEntry&)>& visit) override {
    std::lock_guard lock(mu_);
    for (;;) {
      auto r =
          PgExec(conn_,
                 std::string("SELECT ") + kAuditColumns +
                     " FROM audit WHERE seq > $1 ORDER BY seq LIMIT " + std::to_string(kScanChunk),
                 Params().Add(after_seq));
      if (!r) return Unavailable(r.error());
      const int n = PQntuples(r->get());
      for (int i = 0; i < n; ++i) {
        const TrailEntry e = Row(r->get(), i);
        after_seq = e.seq;
        if (!visit(e)) return {};
      }
      if (n < kScanChunk) return {};
    }
  }

  Result<std::vector<TrailEntry>> Query(const TrailQuery& q) override {
    std::lock_guard lock(mu_);
    std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq > $1";
    Params params;
    params.Add(q.after_seq);
    int n = 1;
    auto filter = [&](const std::string& value, const char* clause) {
      if (value.empty()) return;
      params.Add(value);
      sql += " AND " + std::string(clause) + std::to_string(++n);
    };
    filter(q.from, "time >= $");
    filter(q.to, "time < $");
    filter(q.key_id, "key_id = $");
    filter(q.action, "action = $");
    filter(q.verdict, "verdict = $");
    filter(q.document, "document = $");
    sql += " ORDER BY seq LIMIT " + std::to_string(q.limit);
    auto r = PgExec(conn_, sql, params);
    if (!r) return Unavailable(r.error());
    std::vector<TrailEntry> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back(Row(r->get(), i));
    return out;
  }

  // Reads do not wait for appends here (nor appends for reads).
  Result<std::int64_t> LastPersonalBefore(const std::string& time,
                                          std::int64_t after_seq) override {
    std::lock_guard lock(mu_);
    auto r = PgExec(conn_,
                    "SELECT coalesce(max(seq), 0) FROM audit WHERE seq > GREATEST($1, (SELECT "
                    "coalesce(max(upto), 0) FROM audit_erased)) AND time < $2 AND (document <> '' "
                    "OR document_number <> '') AND personal <> ''",
                    Params().Add(after_seq).Add(time));
    if (!r) return Unavailable(r.error());
    return std::stoll(Value(r->get(), 0, 0));
  }

  Result<std::int64_t> ErasePersonal(std::int64_t after_seq, std::int64_t upto_seq) override {
    std::lock_guard lock(mu_);
    if (auto r = PgExec(conn_, "BEGIN"); !r) return Unavailable(r.error());
    auto fail = [&](const Error& e) {
      (void)PgExec(conn_, "ROLLBACK");
      return Unavailable(e);
    };
    auto r = PgExec(conn_,
                    "UPDATE audit SET document = '', document_number = '' WHERE seq > GREATEST($1, "
                    "(SELECT coalesce(max(upto), 0) FROM audit_erased)) AND seq <= $2 AND "
                    "(document <> '' OR document_number <> '') AND personal <> ''",
                    Params().Add(after_seq).Add(upto_seq));
    if (!r) return fail(r.error());
    const char* changed = PQcmdTuples(r->get());
    const std::int64_t erased = changed != nullptr && *changed != '\0' ? std::stoll(changed) : 0;
    // Where the erasure has reached, kept with it (as in the SQLite store).
    if (auto m = PgExec(conn_,
                        "INSERT INTO audit_erased (id, upto) VALUES (1, $1) ON CONFLICT (id) DO "
                        "UPDATE SET upto = GREATEST(audit_erased.upto, EXCLUDED.upto)",
                        Params().Add(upto_seq));
        !m)
      return fail(m.error());
    if (auto c = PgExec(conn_, "COMMIT"); !c) return fail(c.error());
    // The old row versions stay in the table's pages until a vacuum takes
    // them (and its index entries with them).
    if (erased > 0) {
      if (auto v = PgExec(conn_, "VACUUM audit"); !v) return Unavailable(v.error());
    }
    return erased;
  }

 private:
  static TrailEntry Row(PGresult* r, int i) {
    TrailEntry e;
    e.seq = std::stoll(Value(r, i, 0));
    e.time = Value(r, i, 1);
    e.key_id = Value(r, i, 2);
    e.action = Value(r, i, 3);
    e.document = Value(r, i, 4);
    e.document_number = Value(r, i, 5);
    e.verdict = Value(r, i, 6);
    e.reasons = Value(r, i, 7);
    e.detail = Value(r, i, 8);
    e.mac = Value(r, i, 9);
    e.personal = Value(r, i, 10);
    return e;
  }
  static Error Unavailable(const Error& e) {
    return Error{ErrorCode::kUnavailable, "audit trail: " + e.message};
  }

  PGconn* conn_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<KeyStore>> OpenPostgresKeyStore(const std::string& conninfo) {
  auto conn = internal::PgConnect(conninfo, kKeySchema);
  if (!conn) return conn.error();
  return std::unique_ptr<KeyStore>(std::make_unique<PgKeyStore>(*conn));
}

Result<std::unique_ptr<AuditStore>> OpenPostgresAuditStore(const std::string& conninfo) {
  auto conn = internal::PgConnect(conninfo, kAuditSchema);
  if (!conn) return conn.error();
  return std::unique_ptr<AuditStore>(std::make_unique<PgAuditStore>(*conn));
}

}  // namespace tdv::lists
