// SPDX-License-Identifier: Apache-2.0
// ListStore: where lost-and-stolen lists are kept. Two implementations share
// one contract (tests/lists/list_store_contract_test.cc): SQLite (one file
// under the data directory, the embedded default) and PostgreSQL (several
// TDV instances sharing one store).
//
// Imports are atomic: an ImportSession either commits completely or leaves
// the previous version untouched (also when the process is killed midway).
// Every change is recorded in the audit trail (who, when, what). Only the
// source that owns a list may change it.
//
// Thread safety: a store may be used from one thread at a time; the lookup
// path never touches it (see ListIndex).
#ifndef TDV_LISTS_LIST_STORE_H_
#define TDV_LISTS_LIST_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdv/lists/record.h"
#include "tdv/mrz/result.h"

namespace tdv::lists {

struct ImportOptions {
  std::string list;    // created on first import
  std::string source;  // must own the list (kPermissionDenied otherwise)
  std::string actor;   // who, for the audit trail (user or client name)
  bool delta = false;  // false: the import replaces the whole list
};

enum class ChangeOp : std::uint8_t { kUpsert, kDelete };

struct ImportSummary {
  std::int64_t upserted = 0;  // full import: records in the new version
  std::int64_t deleted = 0;
  std::int64_t version = 0;  // the list's version after the commit
  std::int64_t record_count = 0;
};

// One import in progress. Destroying it without Commit() rolls it back.
class ImportSession {
 public:
  virtual ~ImportSession() = default;
  // kInvalidInput for a record without state, type or number; kUnavailable
  // when the store fails (the session is then unusable).
  virtual Status Add(ChangeOp op, const ListRecord& record) = 0;
  virtual Result<ImportSummary> Commit() = 0;
};

// One entry of the change feed, in sequence order.
struct ChangeEvent {
  std::int64_t seq = 0;
  std::string list;
  std::string kind;  // "replace" (reload the whole list), "upsert", "delete", "drop"
  std::optional<ListRecord> record;  // for upsert and delete (key fields at least)
};

struct AuditEntry {
  std::int64_t seq = 0;
  std::string at;  // RFC 3339 UTC
  std::string actor;
  std::string source;
  std::string list;
  std::string action;  // "create", "replace", "upsert", "delete", "drop"
  std::string detail;  // counts, or the record key
};

class ListStore {
 public:
  virtual ~ListStore() = default;

  virtual const char* kind() const noexcept = 0;  // "sqlite", "postgres"

  virtual Result<std::vector<ListInfo>> Lists() = 0;

  virtual Result<std::unique_ptr<ImportSession>> BeginImport(const ImportOptions& options) = 0;

  // Removes a list and its records (kNotFound, kPermissionDenied).
  virtual Status DropList(const std::string& list, const std::string& source,
                          const std::string& actor) = 0;

  // Streams every record of `list` (all lists when empty) to `fn`, from one
  // consistent snapshot. Returns the change sequence that snapshot reflects.
  virtual Result<std::int64_t> Scan(
      const std::string& list,
      const std::function<void(const std::string& list, const ListRecord&)>& fn) = 0;

  // As Scan, each record with only what an index of the lists needs: its
  // state, type, number and status (the other members empty, no dates). A
  // store may read less for it (SQLite: four columns of each row); by
  // default it is Scan.
  virtual Result<std::int64_t> ScanKeys(
      const std::string& list,
      const std::function<void(const std::string& list, const ListRecord&)>& fn) {
    return Scan(list, fn);
  }

  // One record with all its details, or nullopt.
  virtual Result<std::optional<ListRecord>> Get(const std::string& list,
                                                const std::string& issuing_state,
                                                const std::string& document_type,
                                                const std::string& document_number) = 0;

  // The last change sequence number (0 for an empty store).
  virtual Result<std::int64_t> ChangeSequence() = 0;
  // Changes after `seq`, oldest first, at most `limit`.
  virtual Result<std::vector<ChangeEvent>> ChangesSince(std::int64_t seq, std::size_t limit) = 0;

  virtual Result<std::vector<AuditEntry>> Audit(const std::string& list, std::size_t limit) = 0;
};

// Opens (creating if needed) the SQLite store at `path` (WAL mode).
Result<std::unique_ptr<ListStore>> OpenSqliteStore(const std::string& path);

// Connects to PostgreSQL (`conninfo` as for libpq, e.g.
// "postgresql://tdv@127.0.0.1/tdv") and creates the schema if needed.
// kUnsupported when TDV was built without PostgreSQL support.
Result<std::unique_ptr<ListStore>> OpenPostgresStore(const std::string& conninfo);

// "sqlite:PATH", "postgresql://..." / "postgres://..." / "host=... dbname=...".
Result<std::unique_ptr<ListStore>> OpenStore(const std::string& url);

}  // namespace tdv::lists

#endif  // TDV_LISTS_LIST_STORE_H_
