// SPDX-License-Identifier: Apache-2.0
// The audit trail from the command line: opening it for other commands,
// `tdv audit verify|checkpoint|show`, and a service's checkpoints.
#ifndef TDV_APP_AUDIT_CMD_H_
#define TDV_APP_AUDIT_CMD_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "config.h"
#include "periodic.h"
#include "tdv/verify/audit.h"

namespace tdv::app {

// The audit trail: in the lists' PostgreSQL database when the store is
// one, else DATA/audit.db; its secret in `audit_key_file` (default
// DATA/audit.key; 64 hex digits, made on first use, mode 0600).
// kUnavailable when either cannot be read or made.
Result<std::unique_ptr<verify::AuditTrail>> OpenAudit(const Config& config);

// Who a command acts as in the audit trail: "cli:$USER".
std::string CliActor();

// Records a change made by a command. On failure prints why (the change
// is made but not recorded) and returns false.
bool RecordChange(verify::AuditTrail& audit, const std::string& action, const std::string& detail);

// Checkpoints of a running service's trail (verify::Checkpoint): one line
// to `log` and, when `file` is given, appended to it (fsync'd) every
// `seconds` in which new entries were committed, and once more on
// destruction. A checkpoint that cannot be written is reported on `log`;
// the service goes on.
class CheckpointWriter {
 public:
  CheckpointWriter(verify::AuditTrail& trail, std::filesystem::path file, int seconds,
                   std::ostream& log);
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

 private:
  void WriteIfMoved();
  verify::AuditTrail& trail_;
  std::filesystem::path file_;
  std::ostream& log_;
  std::int64_t written_seq_ = 0;
  std::optional<Periodic> timer_;  // last: stopped before the rest goes
};

// Erases the document fields of the entries older than `days` days
// (verify::AuditTrail::ErasePersonal) as `actor`, and says what it did on
// `log` when it erased any or failed.
Result<verify::Erasure> EraseOlderThan(verify::AuditTrail& trail, int days, std::string_view actor,
                                       std::ostream& log);

// A running service's retention of personal fields: EraseOlderThan(`days`)
// now and every hour, on a thread of its own (days 0: never). A failed
// erasure is reported on `log` and tried again the next hour.
class PersonalRetention {
 public:
  PersonalRetention(verify::AuditTrail& trail, int days, std::ostream& log);

 private:
  std::optional<Periodic> timer_;
};

std::function<int()> AddAuditCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                      const std::function<void(CLI::App*)>& add_common);

}  // namespace tdv::app

#endif  // TDV_APP_AUDIT_CMD_H_
