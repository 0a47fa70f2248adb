// SPDX-License-Identifier: Apache-2.0
// AuditStore: where the audit trail's entries are kept, append-only.
//
// The store only keeps rows; what makes them an audit trail (the keyed hash
// chain, the document's keyed hash, grouped writes) is tdv::verify::
// AuditTrail. Appends from several processes on one file are serialised by
// the file's write lock, and each batch is chained onto whatever entry is
// last at that moment, so the chain stays one chain.
//
// Thread safety: every member may be called from any thread.
#ifndef TDV_LISTS_AUDIT_STORE_H_
#define TDV_LISTS_AUDIT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tdv/mrz/result.h"

namespace tdv::lists {

struct TrailEntry {
  std::int64_t seq = 0;         // 1, 2, 3 ... in the order written
  std::string time;             // RFC 3339 UTC with milliseconds
  std::string key_id;           // the API key, or "cli:USER" for a command
  std::string action;           // "verify", "keys.create", "lists.import" ...
  std::string document;         // keyed hash of state, type and number ("" if none)
  std::string document_number;  // in clear only where the configuration says so
  std::string verdict;          // "clear", "review", "reject" ("" for changes)
  std::string reasons;          // reason codes, comma-separated
  std::string detail;           // what a change changed (no personal data)
  std::string mac;              // keyed hash over this entry and the previous entry's mac
  // A keyed digest of document and document_number: what the mac covers in
  // their place, so that they can be erased once their retention period is
  // over and the chain still proves every entry ("" in entries written
  // before digests, whose mac covers the fields themselves).
  std::string personal;
};

struct TrailQuery {
  std::int64_t after_seq = 0;  // entries with a larger seq
  std::string from, to;        // time >= from, time < to (RFC 3339 prefixes)
  std::string key_id, action, verdict, document;
  std::size_t limit = 100;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Appends `entries` in one transaction, after the last entry: fills in
  // each one's seq, then its mac = seal(entry, the previous entry's mac or
  // "" for the first).
  using Seal = std::function<std::string(const TrailEntry&, const std::string& prev_mac)>;
  virtual Status Append(std::vector<TrailEntry>& entries, const Seal& seal) = 0;
  // Calls `visit` for every entry with seq > after_seq, in seq order, until
  // it returns false.
  virtual Status Scan(std::int64_t after_seq,
                      const std::function<bool(const TrailEntry&)>& visit) = 0;
  // Entries that match every non-empty filter, oldest first.
  virtual Result<std::vector<TrailEntry>> Query(const TrailQuery& query) = 0;
  // The newest entry after `after_seq` written before `time` (an RFC 3339
  // prefix) that still holds a document or a document number; 0 when there
  // is none. Entries' times grow with seq (the store may search by seq).
  virtual Result<std::int64_t> LastPersonalBefore(const std::string& time,
                                                  std::int64_t after_seq) = 0;
  // Empties document and document_number of every entry after `after_seq`
  // up to `upto_seq` (the rest of each entry, its digest and mac stay) so
  // that they cannot be read back from the store's files; the number of
  // entries changed. Entries without a digest (written before digests:
  // their mac covers the fields) are left as they are, here and in
  // LastPersonalBefore. The store keeps where erasure has reached (with the
  // erasure, in one transaction): both begin there when it lies past
  // `after_seq`, so that a service's first pass after a start does not scan
  // the years erased before.
  virtual Result<std::int64_t> ErasePersonal(std::int64_t after_seq, std::int64_t upto_seq) = 0;
};

// Opens (creating if needed) the audit trail in the SQLite file `path`.
// kUnavailable when it cannot be opened or written.
Result<std::unique_ptr<AuditStore>> OpenSqliteAuditStore(const std::string& path);
// The same in the PostgreSQL database `conninfo`: every instance on it
// appends to one chain. kUnavailable when it cannot be reached;
// kUnsupported in a build without PostgreSQL.
Result<std::unique_ptr<AuditStore>> OpenPostgresAuditStore(const std::string& conninfo);
// A PostgreSQL URL or conninfo (not "sqlite:PATH").
bool IsPostgresUrl(const std::string& url);

}  // namespace tdv::lists

#endif  // TDV_LISTS_AUDIT_STORE_H_
