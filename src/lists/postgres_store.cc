// SPDX-License-Identifier: Apache-2.0
// PostgresListStore: one store shared by several TDV instances.
//
// Same design as the SQLite store: a table per list version, filled with
// COPY and indexed afterwards for full imports; in-place changes for deltas;
// the `changes` table as audit trail and change feed. Imports take a lock on
// `lists` for their whole transaction, so change sequence numbers commit in
// order and a reader following ChangesSince() never skips one. Instances
// learn of changes by polling the change sequence (ListIndex::Refresh).
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "pg_util.h"
#include "store_common.h"
#include "tdv/lists/list_store.h"

namespace tdv::lists {
namespace {

using internal::DateOrNull;
using internal::NowRfc3339;
using internal::ParseDateOrNull;

using internal::Params;
using internal::PgResult;

const std::string kSchema = R"sql(
CREATE TABLE IF NOT EXISTS lists(
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  version BIGINT NOT NULL,
  updated_at TEXT NOT NULL,
  record_count BIGINT NOT NULL,
  data_table TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes(
  seq BIGSERIAL PRIMARY KEY,)sql" +
                            std::string(internal::kChangeColumns);

using internal::kRecordColumns;
using internal::kSelectColumns;

std::string Quote(const std::string& ident) { return "\"" + ident + "\""; }

ListRecord ReadRecord(PGresult* r, int row) {
  auto text = [&](int col) {
    return PQgetisnull(r, row, col) ? std::string() : std::string(PQgetvalue(r, row, col));
  };
  ListRecord rec;
  rec.issuing_state = text(0);
  rec.document_type = text(1);
  rec.document_number = text(2);
  rec.status = static_cast<RecordStatus>(std::stoi(text(3)));
  rec.reporting_agency = text(4);
  rec.date_reported = ParseDateOrNull(text(5));
  rec.expiry_date = ParseDateOrNull(text(6));
  rec.review_date = ParseDateOrNull(text(7));
  rec.national_reference = text(8);
  rec.reason = text(9);
  return rec;
}

// COPY text format: backslash escapes, \N for NULL.
void AppendCopyField(std::string& out, const std::string& v, bool null_if_empty) {
  if (null_if_empty && v.empty()) {
    out += "\\N";
    return;
  }
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out.push_back(c);
    }
  }
}

class PgStore;

class PgImport final : public ImportSession {
 public:
  PgImport(PgStore& store, ImportOptions options) : store_(store), options_(std::move(options)) {}
  ~PgImport() override;
  Status Begin();
  Status Add(ChangeOp op, const ListRecord& record) override;
  Result<ImportSummary> Commit() override;

 private:
  Status Flush();
  void Abort();

  PgStore& store_;
  ImportOptions options_;
  bool open_ = false;
  bool copying_ = false;
  std::int64_t list_id_ = 0, version_ = 0, count_ = 0;
  std::string table_, old_table_;
  std::string buffer_;  // COPY data not yet sent
  ImportSummary summary_;
};

class PgStore final : public ListStore {
 public:
  explicit PgStore(PGconn* conn) : conn_(conn) {}
  ~PgStore() override { PQfinish(conn_); }

  const char* kind() const noexcept override { return "postgres"; }
  PGconn* conn() { return conn_; }

  Error Fail(const std::string& what) const {
    const bool down = PQstatus(conn_) != CONNECTION_OK;
    return Error{down ? ErrorCode::kUnavailable : ErrorCode::kInternal, "postgres: " + what};
  }

  // Runs `sql`; kUnavailable / kInternal with the server's message on failure.
  Result<PgResult> Exec(const std::string& sql, const Params& params = {}) {
    return internal::PgExec(conn_, sql, params);
  }
  Status Run(const std::string& sql, const Params& params = {}) {
    auto r = Exec(sql, params);
    if (!r) return r.error();
    return {};
  }

  struct ListRow {
    std::int64_t id = 0;
    std::string source;
    std::int64_t version = 0, count = 0;
    std::string table;
  };
  Result<ListRow> FindList(const std::string& name) {
    auto r = Exec("SELECT id, source, version, record_count, data_table FROM lists WHERE name = $1",
                  Params().Add(name));
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0)
      return Error{ErrorCode::kNotFound, "no list named '" + name + "'"};
    PGresult* p = r->get();
    return ListRow{std::stoll(PQgetvalue(p, 0, 0)), PQgetvalue(p, 0, 1),
                   std::stoll(PQgetvalue(p, 0, 2)), std::stoll(PQgetvalue(p, 0, 3)),
                   PQgetvalue(p, 0, 4)};
  }

  Status Record(const std::string& actor, const std::string& source, const std::string& list,
                const std::string& action, const std::string& detail) {
    return Run(
        "INSERT INTO changes(at, actor, source, list, action, detail) VALUES ($1, $2, $3, $4, $5, "
        "$6)",
        Params().Add(NowRfc3339()).Add(actor).Add(source).Add(list).Add(action).Add(detail));
  }

  Result<std::vector<ListInfo>> Lists() override {
    auto r =
        Exec("SELECT name, source, version, updated_at, record_count FROM lists ORDER BY name");
    if (!r) return r.error();
    std::vector<ListInfo> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) {
      PGresult* p = r->get();
      out.push_back(ListInfo{PQgetvalue(p, i, 0), PQgetvalue(p, i, 1),
                             std::stoll(PQgetvalue(p, i, 2)), PQgetvalue(p, i, 3),
                             std::stoll(PQgetvalue(p, i, 4))});
    }
    return out;
  }

  Result<std::unique_ptr<ImportSession>> BeginImport(const ImportOptions& options) override {
    auto session = std::make_unique<PgImport>(*this, options);
    if (Status st = session->Begin(); !st) return st.error();
    return std::unique_ptr<ImportSession>(std::move(session));
  }

  Status DropList(const std::string& list, const std::string& source,
                  const std::string& actor) override {
    if (Status st = Run("BEGIN"); !st) return st;
    auto done = [&](Status st) {
      (void)Run(st ? "COMMIT" : "ROLLBACK");
      return st;
    };
    if (Status st = Run("LOCK TABLE lists IN SHARE ROW EXCLUSIVE MODE"); !st) return done(st);
    Result<ListRow> row = FindList(list);
    if (!row) return done(row.error());
    if (Status st = internal::CheckOwner(list, row->source, source); !st) return done(st);
    if (Status st = Run("DROP TABLE IF EXISTS " + Quote(row->table)); !st) return done(st);
    if (Status st = Run("DELETE FROM lists WHERE id = $1", Params().Add(row->id)); !st)
      return done(st);
    return done(Record(actor, source, list, "drop", std::to_string(row->count) + " records"));
  }

  Result<std::int64_t> Scan(
      const std::string& list,
      const std::function<void(const std::string&, const ListRecord&)>& fn) override {
    return ScanSnapshot(list, false, fn);
  }

  Result<std::int64_t> ScanKeys(
      const std::string& list,
      const std::function<void(const std::string&, const ListRecord&)>& fn) override {
    return ScanSnapshot(list, true, fn);
  }

  Result<std::int64_t> ScanSnapshot(
      const std::string& list, bool keys,
      const std::function<void(const std::string&, const ListRecord&)>& fn) {
    if (Status st = Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st) return st.error();
    Result<std::int64_t> result = ScanInSnapshot(list, keys, fn);
    (void)Run(result ? "COMMIT" : "ROLLBACK");
    return result;
  }

  // With `keys`, four columns a row into one record reused (ScanKeys).
  Result<std::int64_t> ScanInSnapshot(
      const std::string& list, bool keys,
      const std::function<void(const std::string&, const ListRecord&)>& fn) {
    auto seq = ChangeSequence();
    if (!seq) return seq.error();
    auto lists = list.empty() ? Exec("SELECT name, data_table FROM lists")
                              : Exec("SELECT name, data_table FROM lists WHERE name = $1",
                                     Params().Add(list));
    if (!lists) return lists.error();
    std::vector<std::pair<std::string, std::string>> tables;
    for (int i = 0; i < PQntuples(lists->get()); ++i) {
      tables.emplace_back(PQgetvalue(lists->get(), i, 0), PQgetvalue(lists->get(), i, 1));
    }
    for (const auto& [name, table] : tables) {
      // Rows stream one at a time: a 10^7-row list never sits in one result.
      const std::string sql =
          std::string("SELECT ") +
          (keys ? "issuing_state, document_type, document_number, status" : kSelectColumns) +
          " FROM " + Quote(table);
      if (!PQsendQuery(conn_, sql.c_str()) || !PQsetSingleRowMode(conn_))
        return Fail(PQerrorMessage(conn_));
      std::string error;
      ListRecord key;
      while (PGresult* raw = PQgetResult(conn_)) {
        PgResult r(raw);
        const auto st = PQresultStatus(raw);
        if (st == PGRES_SINGLE_TUPLE && !keys) {
          fn(name, ReadRecord(raw, 0));
        } else if (st == PGRES_SINGLE_TUPLE) {
          key.issuing_state.assign(PQgetvalue(raw, 0, 0));
          key.document_type.assign(PQgetvalue(raw, 0, 1));
          key.document_number.assign(PQgetvalue(raw, 0, 2));
          key.status = static_cast<RecordStatus>(std::atoi(PQgetvalue(raw, 0, 3)));
          fn(name, key);
        } else if (st != PGRES_TUPLES_OK && error.empty()) {
          error = PQresultErrorMessage(raw);
        }
      }
      if (!error.empty()) return Fail(error);
    }
    return *seq;
  }

  Result<std::optional<ListRecord>> Get(const std::string& list, const std::string& issuing_state,
                                        const std::string& document_type,
                                        const std::string& document_number) override {
    Result<ListRow> row = FindList(list);
    if (!row) {
      if (row.error().code == ErrorCode::kNotFound) return std::optional<ListRecord>();
      return row.error();
    }
    auto r = Exec(std::string("SELECT ") + kSelectColumns + " FROM " + Quote(row->table) +
                      " WHERE issuing_state = $1 AND document_type = $2 AND document_number = $3",
                  Params().Add(issuing_state).Add(document_type).Add(document_number));
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return std::optional<ListRecord>();
    return std::optional<ListRecord>(ReadRecord(r->get(), 0));
  }

  Result<std::int64_t> ChangeSequence() override {
    auto r = Exec("SELECT coalesce(max(seq), 0) FROM changes");
    if (!r) return r.error();
    return std::stoll(PQgetvalue(r->get(), 0, 0));
  }

  Result<std::vector<ChangeEvent>> ChangesSince(std::int64_t seq, std::size_t limit) override {
    auto r = Exec(
        "SELECT seq, list, action, issuing_state, document_type, document_number, status "
        "FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        Params().Add(seq).Add(static_cast<std::int64_t>(limit)));
    if (!r) return r.error();
    std::vector<ChangeEvent> out;
    PGresult* p = r->get();
    for (int i = 0; i < PQntuples(p); ++i) {
      ChangeEvent e;
      e.seq = std::stoll(PQgetvalue(p, i, 0));
      e.list = PQgetvalue(p, i, 1);
      e.kind = PQgetvalue(p, i, 2);
      if (e.kind == "create") e.kind = "replace";
      if (e.kind == "upsert" || e.kind == "delete") {
        ListRecord rec;
        rec.issuing_state = PQgetvalue(p, i, 3);
        rec.document_type = PQgetvalue(p, i, 4);
        rec.document_number = PQgetvalue(p, i, 5);
        rec.status = static_cast<RecordStatus>(std::stoi(PQgetvalue(p, i, 6)));
        e.record = std::move(rec);
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  Result<std::vector<AuditEntry>> Audit(const std::string& list, std::size_t limit) override {
    const std::string sql =
        std::string(
            "SELECT seq, at, actor, source, list, action, coalesce(detail, issuing_state || '/' || "
            "document_type || '/' || document_number) FROM changes") +
        (list.empty() ? " WHERE $1 = ''" : " WHERE list = $1") + " ORDER BY seq DESC LIMIT $2";
    auto r = Exec(sql, Params().Add(list).Add(static_cast<std::int64_t>(limit)));
    if (!r) return r.error();
    std::vector<AuditEntry> out;
    PGresult* p = r->get();
    for (int i = 0; i < PQntuples(p); ++i) {
      out.push_back(AuditEntry{std::stoll(PQgetvalue(p, i, 0)), PQgetvalue(p, i, 1),
                               PQgetvalue(p, i, 2), PQgetvalue(p, i, 3), PQgetvalue(p, i, 4),
                               PQgetvalue(p, i, 5), PQgetvalue(p, i, 6)});
    }
    return out;
  }

 private:
  PGconn* conn_;
};

PgImport::~PgImport() {
  if (open_) Abort();
}

void PgImport::Abort() {
  if (copying_) {
    PQputCopyEnd(store_.conn(), "import abandoned");
    while (PGresult* r = PQgetResult(store_.conn())) PQclear(r);
    copying_ = false;
  }
  (void)store_.Run("ROLLBACK");
  open_ = false;
}

Status PgImport::Begin() {
  if (options_.list.empty() || options_.source.empty()) {
    return Error{ErrorCode::kInvalidInput, "an import needs a list name and a source"};
  }
  if (Status st = store_.Run("BEGIN"); !st) return st;
  open_ = true;
  if (Status st = store_.Run("LOCK TABLE lists IN SHARE ROW EXCLUSIVE MODE"); !st) return st;
  Result<PgStore::ListRow> row = store_.FindList(options_.list);
  if (!row && row.error().code != ErrorCode::kNotFound) return row.error();
  if (row) {
    if (Status st = internal::CheckOwner(options_.list, row->source, options_.source); !st)
      return st;
    list_id_ = row->id;
    version_ = row->version;
    count_ = row->count;
    old_table_ = row->table;
  } else {
    auto r = store_.Exec(
        "INSERT INTO lists(name, source, version, updated_at, record_count, data_table) "
        "VALUES ($1, $2, 0, $3, 0, '') RETURNING id",
        Params().Add(options_.list).Add(options_.source).Add(NowRfc3339()));
    if (!r) return r.error();
    list_id_ = std::stoll(PQgetvalue(r->get(), 0, 0));
    if (Status st = store_.Record(options_.actor, options_.source, options_.list, "create", "");
        !st)
      return st;
  }
  if (!options_.delta || old_table_.empty()) {
    table_ = "records_" + std::to_string(list_id_) + "_" + std::to_string(version_ + 1);
    if (Status st = store_.Run("DROP TABLE IF EXISTS " + Quote(table_)); !st) return st;
    if (Status st = store_.Run("CREATE TABLE " + Quote(table_) + "(" + kRecordColumns + ")"); !st)
      return st;
    if (options_.delta) {
      if (Status st = store_.Run("CREATE UNIQUE INDEX ON " + Quote(table_) +
                                 "(issuing_state, document_type, document_number)");
          !st) {
        return st;
      }
      count_ = 0;
    }
  } else {
    table_ = old_table_;
  }
  if (!options_.delta) {
    auto r = store_.Exec("COPY " + Quote(table_) + "(" + kSelectColumns + ") FROM STDIN");
    if (!r) return r.error();
    copying_ = true;
  }
  return {};
}

Status PgImport::Flush() {
  if (buffer_.empty()) return {};
  if (PQputCopyData(store_.conn(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    return store_.Fail(PQerrorMessage(store_.conn()));
  }
  buffer_.clear();
  return {};
}

Status PgImport::Add(ChangeOp op, const ListRecord& r) {
  if (!open_) return Error{ErrorCode::kInternal, "import session is closed"};
  if (Status st = internal::CheckKey(r); !st) return st;
  if (!options_.delta) {
    if (op != ChangeOp::kUpsert)
      return Error{ErrorCode::kInvalidInput, "a full import holds no deletions"};
    const std::string fields[] = {
        r.issuing_state,           r.document_type,
        r.document_number,         std::to_string(static_cast<int>(r.status)),
        r.reporting_agency,        DateOrNull(r.date_reported),
        DateOrNull(r.expiry_date), DateOrNull(r.review_date),
        r.national_reference,      r.reason};
    for (std::size_t i = 0; i < std::size(fields); ++i) {
      if (i) buffer_.push_back('\t');
      AppendCopyField(buffer_, fields[i], i >= 4);
    }
    buffer_.push_back('\n');
    ++summary_.upserted;
    if (buffer_.size() >= (1u << 20)) return Flush();
    return {};
  }
  const std::string t = Quote(table_);
  Params key;
  key.Add(r.issuing_state).Add(r.document_type).Add(r.document_number);
  if (op == ChangeOp::kUpsert) {
    Params p = key;
    p.Add(static_cast<std::int64_t>(r.status))
        .Optional(r.reporting_agency)
        .Optional(DateOrNull(r.date_reported))
        .Optional(DateOrNull(r.expiry_date))
        .Optional(DateOrNull(r.review_date))
        .Optional(r.national_reference)
        .Optional(r.reason);
    auto res =
        store_.Exec("INSERT INTO " + t + "(" + kSelectColumns +
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                        "ON CONFLICT (issuing_state, document_type, document_number) DO UPDATE SET "
                        "status = $4, reporting_agency = $5, date_reported = $6, expiry_date = $7, "
                        "review_date = $8, national_reference = $9, reason = $10 "
                        "RETURNING (xmax = 0)",
                    p);
    if (!res) return res.error();
    if (std::string(PQgetvalue(res->get(), 0, 0)) == "t") ++count_;
    ++summary_.upserted;
  } else {
    auto res = store_.Exec("DELETE FROM " + t +
                               " WHERE issuing_state = $1 AND document_type = $2 AND "
                               "document_number = $3",
                           key);
    if (!res) return res.error();
    if (std::string(PQcmdTuples(res->get())) != "0") {
      --count_;
      ++summary_.deleted;
    }
  }
  return store_.Run(
      "INSERT INTO changes(at, actor, source, list, action, issuing_state, document_type, "
      "document_number, "
      "status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      Params()
          .Add(NowRfc3339())
          .Add(options_.actor)
          .Add(options_.source)
          .Add(options_.list)
          .Add(std::string(op == ChangeOp::kUpsert ? "upsert" : "delete"))
          .Add(r.issuing_state)
          .Add(r.document_type)
          .Add(r.document_number)
          .Add(static_cast<std::int64_t>(r.status)));
}

Result<ImportSummary> PgImport::Commit() {
  if (!open_) return Error{ErrorCode::kInternal, "import session is closed"};
  auto fail = [&](Error e) -> Result<ImportSummary> {
    Abort();
    return e;
  };
  if (copying_) {
    if (Status st = Flush(); !st) return fail(st.error());
    if (PQputCopyEnd(store_.conn(), nullptr) != 1)
      return fail(store_.Fail(PQerrorMessage(store_.conn())));
    copying_ = false;
    std::string error;
    while (PGresult* raw = PQgetResult(store_.conn())) {
      if (PQresultStatus(raw) != PGRES_COMMAND_OK && error.empty())
        error = PQresultErrorMessage(raw);
      PQclear(raw);
    }
    if (!error.empty()) return fail(store_.Fail(error));
    auto idx = store_.Exec("CREATE UNIQUE INDEX ON " + Quote(table_) +
                           "(issuing_state, document_type, document_number)");
    if (!idx) {
      if (idx.error().code != ErrorCode::kInvalidInput) return fail(idx.error());
      (void)store_.Run("ROLLBACK");
      open_ = false;
      // Name the duplicate, outside the failed transaction.
      return Error{ErrorCode::kInvalidInput,
                   "the file lists a document more than once: " + idx.error().message};
    }
    count_ = summary_.upserted;
    if (!old_table_.empty() && old_table_ != table_) {
      if (Status st = store_.Run("DROP TABLE " + Quote(old_table_)); !st) return fail(st.error());
    }
    if (Status st = store_.Record(options_.actor, options_.source, options_.list, "replace",
                                  std::to_string(count_) + " records");
        !st) {
      return fail(st.error());
    }
  }
  if (Status st =
          store_.Run("UPDATE lists SET version = version + 1, updated_at = $1, record_count = $2, "
                     "data_table = $3 WHERE id = $4",
                     Params().Add(NowRfc3339()).Add(count_).Add(table_).Add(list_id_));
      !st) {
    return fail(st.error());
  }
  if (Status st = store_.Run("COMMIT"); !st) return fail(st.error());
  open_ = false;
  summary_.version = version_ + 1;
  summary_.record_count = count_;
  return summary_;
}

}  // namespace

Result<std::unique_ptr<ListStore>> OpenPostgresStore(const std::string& conninfo) {
  auto conn = internal::PgConnect(conninfo, kSchema);
  if (!conn) return conn.error();
  return std::unique_ptr<ListStore>(std::make_unique<PgStore>(*conn));
}

}  // namespace tdv::lists
