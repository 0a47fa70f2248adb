// SPDX-License-Identifier: Apache-2.0
// The audit trail: every verification and every change, append-only and
// hash-chained.
//
// Each entry carries a MAC (HMAC-SHA-256 under the trail's secret) over its
// own fields and the previous entry's MAC. VerifyChain() walks the trail and
// finds an altered entry (its MAC no longer matches), a removed one (a gap in
// seq, or, renumbered, a MAC computed after another entry) and a reordered
// one (the chain breaks where it was moved). Someone who can write the database but
// does not hold the secret cannot forge a consistent chain; removing entries
// from the end leaves a shorter valid chain, which only a head recorded
// elsewhere (VerifyChain reports it) shows.
//
// Documents are recorded as a keyed hash of issuing state, document type and
// number (the same document always gives the same hash, so an auditor can
// find its checks; the number cannot be read back); the number in clear only
// when the options say so.
//
// Writes are grouped: Record() queues the entry; the first caller to find
// no commit running commits everything queued in one transaction; Record()
// returns once its entry is committed (or the commit failed).
//
// Thread safety: every member may be called from any thread.
#ifndef TDV_VERIFY_AUDIT_H_
#define TDV_VERIFY_AUDIT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tdv/lists/audit_store.h"
#include "tdv/mrz/result.h"
#include "tdv/verify/verifier.h"

namespace tdv::verify {

struct AuditOptions {
  bool document_number_in_clear = false;
};

// A signed statement that the trail's entry `seq` has the MAC `mac` (its
// head when the checkpoint was made), to be kept where whoever can write the
// trail cannot: the service's log, a file on other storage, the auditor's
// records. Entries removed from the end of the trail leave a chain that is
// intact but ends before a checkpoint's seq; VerifyChain(checkpoint) finds
// them (Certificate Transparency's signed tree heads, for a hash chain).
struct Checkpoint {
  std::int64_t seq = 0;
  std::string mac;
  std::string time;       // when it was made (RFC 3339 UTC)
  std::string signature;  // HMAC-SHA-256 under a key of its own (see AuditTrail)
};
// The time now as entries are stamped: RFC 3339 UTC with milliseconds
// ("2026-12-07T10:00:00.123Z"; such times sort as text).
std::string NowWithMillis();

// One line of text: "tdv-audit-checkpoint seq=N mac=HEX time=T sig=HEX".
std::string CheckpointText(const Checkpoint& checkpoint);
// That line back (leading and trailing blanks ignored); nullopt when the
// text is not one.
std::optional<Checkpoint> ParseCheckpoint(std::string_view text);

struct ChainCheck {
  std::int64_t entries = 0;   // entries read
  std::int64_t head_seq = 0;  // the last entry's seq and MAC
  std::string head_mac;
  // With a checkpoint: the entries it records that the trail no longer holds
  // at its end (the checkpoint's seq minus the head's, when positive).
  std::int64_t missing = 0;
  // Entries whose document fields were erased after their retention period
  // (the chain still proves them through the digest it covers).
  std::int64_t erased = 0;
  // The first problems found (at most 20), each "seq N: what"; empty when
  // the chain is intact.
  std::vector<std::string> problems;
  std::int64_t problem_count = 0;
  bool intact() const { return problem_count == 0; }
};

// The action of the entry an erasure of personal fields records.
inline constexpr std::string_view kEraseAction = "audit.erase";

struct Erasure {
  std::int64_t upto_seq = 0;  // entries up to this seq were erased (0: none were due)
  std::int64_t entries = 0;   // entries that held personal fields
};

class AuditTrail {
 public:
  // `secret`: the trail's key (at least 32 bytes of randomness, in any
  // encoding; tdv keeps 64 hex digits in DATA/audit.key).
  AuditTrail(std::unique_ptr<lists::AuditStore> store, std::string secret, AuditOptions options);
  ~AuditTrail();
  AuditTrail(const AuditTrail&) = delete;
  AuditTrail& operator=(const AuditTrail&) = delete;

  // The keyed hash of a document: 32 hex digits.
  std::string DocumentHash(std::string_view state, std::string_view type,
                           std::string_view number) const;

  // An entry for a finished verification by `actor` (key id or "cli:USER").
  lists::TrailEntry VerificationEntry(std::string_view actor,
                                      const VerificationReport& report) const;
  // An entry for a change ("keys.create", "lists.import", ...).
  static lists::TrailEntry ChangeEntry(std::string_view actor, std::string_view action,
                                       std::string_view detail);

  // Queues `entry` (time filled in if empty) and waits until it is
  // committed with whatever else is queued. kUnavailable when the store
  // cannot be written: the caller must not report the action as done.
  Status Record(lists::TrailEntry entry);
  // Appends `entries` as one batch, waiting for the commit (bulk writers).
  Status RecordAll(std::vector<lists::TrailEntry> entries);

  // Walks the whole trail (see the file comment). With `against`, also
  // that the trail still holds the entry the checkpoint records, with its
  // MAC: a trail cut short or rewritten after it fails. The checkpoint's
  // signature is the caller's to check first (CheckpointSigned).
  Result<ChainCheck> VerifyChain(const Checkpoint* against = nullptr) const;

  // A checkpoint of entry `seq` with `mac`, made and signed now. The
  // signing key is derived from the trail's secret under a label of its own:
  // a checkpoint never doubles as an entry's MAC or a document hash.
  Checkpoint MakeCheckpoint(std::int64_t seq, std::string mac) const;
  // Whether `checkpoint` was signed with this trail's key.
  bool CheckpointSigned(const Checkpoint& checkpoint) const;
  // The newest entry this process has committed: {0, ""} before its first.
  // Cheap (no read); what a running service checkpoints.
  std::pair<std::int64_t, std::string> LastCommitted() const;
  Result<std::vector<lists::TrailEntry>> Query(const lists::TrailQuery& query) const;

  // Erases the document hash and number of every entry written before
  // `before` (RFC 3339 UTC): their retention period is over. An entry
  // "audit.erase" by `actor` records it first ("upto_seq=N before=T");
  // VerifyChain then still proves every entry (the MAC covers a digest of
  // those fields), and an entry erased beyond what the trail records is a
  // problem. Nothing due: nothing recorded, {0, 0}.
  Result<Erasure> ErasePersonal(const std::string& before, std::string_view actor);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tdv::verify

#endif  // TDV_VERIFY_AUDIT_H_
