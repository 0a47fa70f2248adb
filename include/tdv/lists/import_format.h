// SPDX-License-Identifier: Apache-2.0
// List files: CSV with a header row, or JSON Lines (one object per line).
//
// Columns (CSV header names = JSON member names):
//   issuing_state    required  ICAO code, "D", "FRA" ('<' padding allowed)
//   document_type    required  "P", "ID", "V", ... ('<' padding allowed)
//   document_number  required  as printed; normalised (upper case, '<',
//                              spaces, '-', '/', '.' removed)
//   status           required  lost | stolen | stolen_blank | revoked | invalidated
//   reporting_agency, date_reported, expiry_date, review_date (YYYY-MM-DD),
//   national_reference, reason                                  optional
//   op               delta files only: upsert (default) | delete
// Unknown columns are an error (a misspelt column must not be dropped
// silently). Row errors carry the file's line number.
#ifndef TDV_LISTS_IMPORT_FORMAT_H_
#define TDV_LISTS_IMPORT_FORMAT_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tdv/lists/list_store.h"
#include "tdv/lists/record.h"
#include "tdv/mrz/result.h"

namespace tdv::lists {

enum class FileFormat { kCsv, kJsonLines };

// By extension: .csv; .jsonl, .ndjson, .json. kInvalidInput otherwise.
Result<FileFormat> FormatForPath(const std::string& path);

// Reads CSV records (RFC 4180: a quoted field may hold commas, doubled
// quotes and line breaks; CRLF or LF), each with the line it starts on.
class CsvRecords {
 public:
  explicit CsvRecords(std::istream& in) : in_(in) {}
  // Returns false at the end of the input. A quoting error sets `error`
  // (when empty) and the record is still returned as far as it went.
  bool Next(std::vector<std::string>& fields, std::int64_t& start_line, std::string& error);

 private:
  std::istream& in_;
  std::int64_t line_no_ = 0;
};

// `s` as one CSV field: quoted when it holds a comma, quote or line break.
std::string CsvField(const std::string& s);

struct RowError {
  std::int64_t line = 0;  // 1-based line in the file
  std::string message;
};

struct ParsedRow {
  std::int64_t line = 0;
  ChangeOp op = ChangeOp::kUpsert;
  ListRecord record;
};

// Reads a list file row by row.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // kInvalidInput when the header (CSV) is unusable.
  static Result<std::unique_ptr<RecordReader>> Open(std::istream& in, FileFormat format,
                                                    bool delta);
  // Returns false at the end of the file. A row that cannot be used sets
  // `error` (and leaves `row` unspecified); reading can go on.
  virtual bool Next(ParsedRow& row, std::optional<RowError>& error) = 0;
};

struct ImportReport {
  ImportSummary summary;
  std::int64_t rows = 0;         // data rows read
  std::int64_t skipped = 0;      // bad rows left out (skip mode)
  std::vector<RowError> errors;  // at most 100 kept; `error_count` has them all
  std::int64_t error_count = 0;
  bool committed = false;
};

struct ImportFileOptions {
  bool skip_bad_rows = false;  // false: any bad row rejects the whole file
  // Called now and then with the rows read so far.
  std::function<void(std::int64_t rows)> progress;
};

// Reads `in` and applies it to the store in one import session. With bad
// rows and !skip_bad_rows nothing is committed and the report lists them.
// Errors (kUnavailable, kPermissionDenied, ...) are the store's.
Result<ImportReport> ImportFile(ListStore& store, const ImportOptions& options, std::istream& in,
                                FileFormat format, const ImportFileOptions& file_options = {});

// Writes every record of `list` in `format` (the same columns, no `op`).
Result<std::int64_t> ExportFile(ListStore& store, const std::string& list, std::ostream& out,
                                FileFormat format);

}  // namespace tdv::lists

#endif  // TDV_LISTS_IMPORT_FORMAT_H_
