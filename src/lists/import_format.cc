// SPDX-License-Identifier: Apache-2.0
// CSV (RFC 4180: quotes, doubled quotes, CRLF) and JSON Lines list files.
#include "tdv/lists/import_format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "store_common.h"

namespace tdv::lists {
namespace {

using nlohmann::json;

enum Column {
  kState,
  kType,
  kNumber,
  kStatus,
  kAgency,
  kReported,
  kExpiry,
  kReview,
  kReference,
  kReason,
  kOp,
  kColumnCount
};
constexpr std::array<const char*, kColumnCount> kColumnNames = {"issuing_state",
                                                                "document_type",
                                                                "document_number",
                                                                "status",
                                                                "reporting_agency",
                                                                "date_reported",
                                                                "expiry_date",
                                                                "review_date",
                                                                "national_reference",
                                                                "reason",
                                                                "op"};

std::string Trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string StripFillers(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '<'), s.end());
  return s;
}

// Turns the column values of one row into a record, or a message.
std::optional<std::string> BuildRow(const std::array<std::optional<std::string>, kColumnCount>& v,
                                    bool delta, ParsedRow& row) {
  auto get = [&](Column c) { return v[c] ? Trim(*v[c]) : std::string(); };
  row.record = ListRecord{};
  row.op = ChangeOp::kUpsert;
  if (!get(kOp).empty()) {
    const std::string op = Upper(get(kOp));
    if (!delta) return "column 'op' belongs in delta files only";
    if (op == "UPSERT") {
      row.op = ChangeOp::kUpsert;
    } else if (op == "DELETE") {
      row.op = ChangeOp::kDelete;
    } else {
      return "op '" + get(kOp) + "' must be upsert or delete";
    }
  }
  ListRecord& r = row.record;
  r.issuing_state = StripFillers(Upper(get(kState)));
  r.document_type = StripFillers(Upper(get(kType)));
  r.document_number = NormalizeNumber(get(kNumber));
  if (r.issuing_state.empty()) return "issuing_state is missing";
  if (r.document_type.empty()) return "document_type is missing";
  if (get(kNumber).empty()) return "document_number is missing";
  if (r.document_number.empty())
    return "document_number '" + get(kNumber) + "' holds characters other than A-Z 0-9";
  if (r.document_number.size() > 64) return "document_number is longer than 64 characters";
  if (row.op == ChangeOp::kUpsert || !get(kStatus).empty()) {
    const auto status = ParseRecordStatus(get(kStatus));
    if (!status) {
      return "status '" + get(kStatus) +
             "' must be lost, stolen, stolen_blank, revoked or invalidated";
    }
    r.status = *status;
  }
  r.reporting_agency = get(kAgency);
  r.national_reference = get(kReference);
  r.reason = get(kReason);
  for (auto [col, field] :
       {std::pair{kReported, &r.date_reported}, std::pair{kExpiry, &r.expiry_date},
        std::pair{kReview, &r.review_date}}) {
    const std::string text = get(col);
    if (text.empty()) continue;
    *field = mrz::ParseIsoDate(text);
    if (!*field) return std::string(kColumnNames[col]) + " '" + text + "' is not a date YYYY-MM-DD";
  }
  if (Status st = internal::CheckKey(r); !st) return st.error().message;
  return std::nullopt;
}

class CsvReader final : public RecordReader {
 public:
  CsvReader(std::istream& in, bool delta) : records_(in), delta_(delta) {}

  Status ReadHeader() {
    std::vector<std::string> fields;
    std::int64_t start = 0;
    if (!ReadRecord(fields, start))
      return Error{ErrorCode::kInvalidInput, "the file is empty (no header row)"};
    if (!fields.empty() && fields[0].rfind("\xEF\xBB\xBF", 0) == 0)
      fields[0].erase(0, 3);  // UTF-8 BOM
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::string name = Trim(fields[i]);
      auto it = std::find(kColumnNames.begin(), kColumnNames.end(), name);
      if (it == kColumnNames.end()) {
        return Error{ErrorCode::kInvalidInput, "line 1: unknown column '" + name + "'"};
      }
      const auto col = static_cast<Column>(it - kColumnNames.begin());
      if (std::find(map_.begin(), map_.end(), col) != map_.end()) {
        return Error{ErrorCode::kInvalidInput, "line 1: column '" + name + "' appears twice"};
      }
      map_.push_back(col);
    }
    for (Column c : {kState, kType, kNumber, kStatus}) {
      if (std::find(map_.begin(), map_.end(), c) == map_.end() && !(c == kStatus && delta_)) {
        return Error{ErrorCode::kInvalidInput,
                     std::string("line 1: required column '") + kColumnNames[c] + "' is missing"};
      }
    }
    return {};
  }

  bool Next(ParsedRow& row, std::optional<RowError>& error) override {
    error.reset();
    std::vector<std::string> fields;
    for (;;) {
      std::int64_t start = 0;
      if (!ReadRecord(fields, start)) return false;
      if (fields.size() == 1 && Trim(fields[0]).empty()) continue;  // blank line
      row.line = start;
      if (!quote_error_.empty()) {
        error = RowError{start, quote_error_};
        quote_error_.clear();
        return true;
      }
      if (fields.size() != map_.size()) {
        error = RowError{start, "has " + std::to_string(fields.size()) +
                                    " fields; the header has " + std::to_string(map_.size())};
        return true;
      }
      std::array<std::optional<std::string>, kColumnCount> values;
      for (std::size_t i = 0; i < fields.size(); ++i) values[map_[i]] = std::move(fields[i]);
      if (auto msg = BuildRow(values, delta_, row)) error = RowError{start, *msg};
      return true;
    }
  }

 private:
  bool ReadRecord(std::vector<std::string>& fields, std::int64_t& start_line) {
    return records_.Next(fields, start_line, quote_error_);
  }

  CsvRecords records_;
  bool delta_;
  std::vector<Column> map_;
  std::string quote_error_;
};

class JsonLinesReader final : public RecordReader {
 public:
  JsonLinesReader(std::istream& in, bool delta) : in_(in), delta_(delta) {}

  bool Next(ParsedRow& row, std::optional<RowError>& error) override {
    error.reset();
    std::string line;
    for (;;) {
      if (!std::getline(in_, line)) return false;
      ++line_no_;
      if (line.find_first_not_of(" \t\r") != std::string::npos) break;
    }
    row.line = line_no_;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      error = RowError{line_no_, "not a JSON object"};
      return true;
    }
    std::array<std::optional<std::string>, kColumnCount> values;
    for (const auto& [key, value] : j.items()) {
      auto it = std::find(kColumnNames.begin(), kColumnNames.end(), key);
      if (it == kColumnNames.end()) {
        error = RowError{line_no_, "unknown member '" + key + "'"};
        return true;
      }
      if (value.is_null()) continue;
      if (!value.is_string()) {
        error = RowError{line_no_, "member '" + key + "' must be a string"};
        return true;
      }
      values[static_cast<std::size_t>(it - kColumnNames.begin())] = value.get<std::string>();
    }
    if (auto msg = BuildRow(values, delta_, row)) error = RowError{line_no_, *msg};
    return true;
  }

 private:
  std::istream& in_;
  bool delta_;
  std::int64_t line_no_ = 0;
};

}  // namespace

bool CsvRecords::Next(std::vector<std::string>& fields, std::int64_t& start_line,
                      std::string& error) {
  fields.clear();
  std::string line;
  if (!std::getline(in_, line)) return false;
  start_line = ++line_no_;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (;;) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            ++i;
          } else {
            quoted = false;
          }
        } else {
          field.push_back(c);
        }
      } else if (c == '"' && field.empty() && !was_quoted) {
        quoted = was_quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else {
        if (was_quoted && error.empty()) error = "text after a closing quote";
        field.push_back(c);
      }
    }
    if (!quoted) break;
    field.push_back('\n');
    if (!std::getline(in_, line)) {
      error = "a quoted field is not closed";
      break;
    }
    ++line_no_;
  }
  fields.push_back(std::move(field));
  return true;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

Result<FileFormat> FormatForPath(const std::string& path) {
  auto ends = [&](const std::string& ext) {
    return path.size() >= ext.size() &&
           std::equal(ext.rbegin(), ext.rend(), path.rbegin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  if (ends(".csv")) return FileFormat::kCsv;
  if (ends(".jsonl") || ends(".ndjson") || ends(".json")) return FileFormat::kJsonLines;
  return Error{ErrorCode::kInvalidInput,
               "cannot tell the format of '" + path + "': use .csv or .jsonl (or --format)"};
}

Result<std::unique_ptr<RecordReader>> RecordReader::Open(std::istream& in, FileFormat format,
                                                         bool delta) {
  if (format == FileFormat::kJsonLines)
    return std::unique_ptr<RecordReader>(new JsonLinesReader(in, delta));
  auto reader = std::make_unique<CsvReader>(in, delta);
  if (Status st = reader->ReadHeader(); !st) return st.error();
  return std::unique_ptr<RecordReader>(std::move(reader));
}

Result<ImportReport> ImportFile(ListStore& store, const ImportOptions& options, std::istream& in,
                                FileFormat format, const ImportFileOptions& file_options) {
  auto reader = RecordReader::Open(in, format, options.delta);
  if (!reader) return reader.error();
  auto session = store.BeginImport(options);
  if (!session) return session.error();
  ImportReport report;
  ParsedRow row;
  std::optional<RowError> error;
  while ((*reader)->Next(row, error)) {
    ++report.rows;
    if (file_options.progress && report.rows % 65536 == 0) file_options.progress(report.rows);
    if (error) {
      ++report.error_count;
      if (report.errors.size() < 100) report.errors.push_back(*error);
      if (file_options.skip_bad_rows) ++report.skipped;
      continue;
    }
    if (report.error_count > 0 && !file_options.skip_bad_rows)
      continue;  // only collecting errors now
    if (Status st = (*session)->Add(row.op, row.record); !st) {
      if (st.error().code == ErrorCode::kInvalidInput) {
        ++report.error_count;
        if (report.errors.size() < 100)
          report.errors.push_back(RowError{row.line, st.error().message});
        if (file_options.skip_bad_rows) ++report.skipped;
        continue;
      }
      return st.error();  // the session rolls back
    }
  }
  if (in.bad()) return Error{ErrorCode::kUnavailable, "reading the file failed"};
  if (file_options.progress) file_options.progress(report.rows);
  if (report.error_count > 0 && !file_options.skip_bad_rows) return report;  // rolled back
  auto summary = (*session)->Commit();
  if (!summary) return summary.error();
  report.summary = *summary;
  report.committed = true;
  return report;
}

Result<std::int64_t> ExportFile(ListStore& store, const std::string& list, std::ostream& out,
                                FileFormat format) {
  auto lists = store.Lists();
  if (!lists) return lists.error();
  if (std::none_of(lists->begin(), lists->end(),
                   [&](const ListInfo& l) { return l.name == list; })) {
    return Error{ErrorCode::kNotFound, "no list named '" + list + "'"};
  }
  if (format == FileFormat::kCsv) {
    for (int c = 0; c < kOp; ++c)
      out << (c ? "," : "") << kColumnNames[static_cast<std::size_t>(c)];
    out << "\n";
  }
  std::int64_t n = 0;
  auto seq = store.Scan(list, [&](const std::string&, const ListRecord& r) {
    ++n;
    const std::array<std::string, kOp> v = {r.issuing_state,
                                            r.document_type,
                                            r.document_number,
                                            RecordStatusName(r.status),
                                            r.reporting_agency,
                                            internal::DateOrNull(r.date_reported),
                                            internal::DateOrNull(r.expiry_date),
                                            internal::DateOrNull(r.review_date),
                                            r.national_reference,
                                            r.reason};
    if (format == FileFormat::kCsv) {
      for (std::size_t c = 0; c < v.size(); ++c) out << (c ? "," : "") << CsvField(v[c]);
      out << "\n";
    } else {
      json j = json::object();
      for (std::size_t c = 0; c < v.size(); ++c) {
        if (!v[c].empty()) j[kColumnNames[c]] = v[c];
      }
      out << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    }
  });
  if (!seq) return seq.error();
  if (!out) return Error{ErrorCode::kUnavailable, "writing the export failed"};
  return n;
}

}  // namespace tdv::lists
