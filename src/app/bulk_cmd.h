// SPDX-License-Identifier: Apache-2.0
// `tdv bulk INPUT [--out OUT]`: checks a file of applications (a visa
// section's thousands) in one process: the list index is built once, rows
// are checked by several threads, answers come out in input order.
//
// INPUT is CSV with a header row or JSON Lines; columns (= members):
//   id               the application's reference (unique; a resumed run
//                    skips the ids already in OUT)
//   mrz              MRZ text, lines broken by line breaks (a quoted CSV
//                    field), or all in one; JSON also takes an array of lines
//   image            path of a document image (relative to INPUT's folder)
//   seal             path of a visible digital seal's raw bytes (optional)
//   passport_number  the passport presented with a visa (optional)
//   visa_category    the visa category applied for (optional)
// Each row needs `mrz` or `image`. An unknown column is an error (a
// misspelt one must not be dropped silently); a bad row is answered as an
// error with its line number and the run goes on.
//
// OUT is JSON Lines (one {"id","line","report"} or {"id","line","error"}
// per row, then {"summary":{...}}) or CSV (one row per application: the
// verdict, reasons, the main fields, list hits, the error). Written as the
// run goes and flushed per group of rows: an interrupted run leaves every
// answered row in OUT, and the same command resumes it (a cut last line and
// the summary are dropped first). Every check is in the audit trail before
// its answer is in OUT.
#ifndef TDV_APP_BULK_CMD_H_
#define TDV_APP_BULK_CMD_H_

#include <cstdint>
#include <iosfwd>
#include <string>

#include "bulk_rows.h"
#include "tdv/verify/audit.h"
#include "tdv/verify/verifier.h"

namespace tdv::app {

struct BulkFlags {
  std::string input;              // a path, or "-" for standard input
  std::string out;                // a path; empty: standard output (no resume)
  std::string input_format;       // "csv" | "jsonl"; empty: by INPUT's extension
  std::string out_format;         // "jsonl" | "csv"; empty: by OUT's extension, else jsonl
  int jobs = 0;                   // checking threads; 0: one per core
  std::string progress = "auto";  // auto (a bar on a terminal) | plain | none
  verify::VerifyOptions options;  // as `tdv check`'s flags
};

// Runs the whole job; messages and progress go to `err`. Exit codes:
// kExitOk every row clear, kExitNotClear done but some row not clear or
// bad, kExitUsage nothing could start (unreadable INPUT or OUT, a bad
// header), kExitUnavailable the audit trail failed (OUT holds every row
// before; run again to resume).
int RunBulk(const BulkFlags& flags, const verify::Verifier& verifier, verify::AuditTrail& audit,
            const std::string& actor, std::ostream& err);

}  // namespace tdv::app

#endif  // TDV_APP_BULK_CMD_H_
