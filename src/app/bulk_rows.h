// SPDX-License-Identifier: Apache-2.0
// The bytes `tdv bulk` reads from outside: the rows of INPUT (CSV with a
// header row, or JSON Lines) and, when it resumes, the answers an earlier
// run left in OUT. Apart from the command so that a fuzz target
// (tests/fuzz/fuzz_bulk_rows.cc) reads them exactly as the command does.
#ifndef TDV_APP_BULK_ROWS_H_
#define TDV_APP_BULK_ROWS_H_

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "tdv/lists/import_format.h"

namespace tdv::app {

struct BulkTally {
  std::int64_t rows = 0, clear = 0, review = 0, reject = 0, list_hits = 0, unreadable = 0,
               bad_rows = 0, resumed = 0;
};

namespace bulk {

enum class Format { kCsv, kJsonl };

// The columns of an input row (= JSON members).
inline constexpr const char* kColumns[] = {
    "id", "mrz", "image", "seal", "passport_number", "visa_category"};
// The columns of CSV output.
inline constexpr const char* kCsvHeader =
    "id,line,verdict,reasons,format,document_code,issuing_state,document_number,nationality,"
    "birth_date,expiry_date,list_hits,error";

struct Row {
  std::int64_t line = 0;
  std::string id;       // as text; "" when the row has none
  std::string id_json;  // as JSON (a string or an integer); "" when none
  std::string mrz;
  std::vector<std::string> mrz_lines;
  std::string image, seal, passport_number, visa_category;
  std::string error;  // set: the row cannot be used
};

// The identity a resumed run skips by: the id, else the line.
inline std::string KeyOf(const std::string& id, std::int64_t line) {
  return id.empty() ? "line:" + std::to_string(line) : id;
}

class RowReader {
 public:
  virtual ~RowReader() = default;
  virtual bool Next(Row& row) = 0;  // false at the end
};

class CsvRowReader final : public RowReader {
 public:
  explicit CsvRowReader(std::istream& in) : records_(in) {}

  // The header row: every column known, `mrz` or `image` among them.
  Status Open() {
    std::vector<std::string> fields;
    std::int64_t line = 0;
    std::string error;
    if (!records_.Next(fields, line, error))
      return Error{ErrorCode::kInvalidInput, "the input is empty (no header row)"};
    if (!fields.empty() && fields[0].rfind("\xEF\xBB\xBF", 0) == 0) fields[0].erase(0, 3);
    for (std::string name : fields) {
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      const auto* it = std::find(std::begin(kColumns), std::end(kColumns), name);
      if (it == std::end(kColumns))
        return Error{ErrorCode::kInvalidInput,
                     "line 1: unknown column '" + name +
                         "' (known: id, mrz, image, seal, passport_number, visa_category)"};
      if (std::find(columns_.begin(), columns_.end(), name) != columns_.end())
        return Error{ErrorCode::kInvalidInput, "line 1: column '" + name + "' appears twice"};
      columns_.push_back(name);
    }
    const auto named = [&](const char* c) {
      return std::find(columns_.begin(), columns_.end(), c) != columns_.end();
    };
    if (!named("mrz") && !named("image") && !named("seal"))
      return Error{ErrorCode::kInvalidInput,
                   "line 1: the header names none of 'mrz', 'image' and 'seal'"};
    return {};
  }

  bool Next(Row& row) override {
    std::vector<std::string> fields;
    for (;;) {
      std::int64_t line = 0;
      std::string error;
      if (!records_.Next(fields, line, error)) return false;
      if (fields.size() == 1 && fields[0].find_first_not_of(" \t") == std::string::npos)
        continue;  // a blank line
      row = Row{};
      row.line = line;
      if (!error.empty()) {
        row.error = error;
      } else if (fields.size() != columns_.size()) {
        row.error = "has " + std::to_string(fields.size()) + " fields; the header has " +
                    std::to_string(columns_.size());
      }
      for (std::size_t i = 0; i < fields.size() && i < columns_.size(); ++i) {
        const std::string& c = columns_[i];
        std::string& v = fields[i];
        if (c == "id") {
          row.id = v;
          if (!v.empty())
            row.id_json =
                nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        } else if (c == "mrz") {
          row.mrz = v;
        } else if (c == "image") {
          row.image = v;
        } else if (c == "seal") {
          row.seal = v;
        } else if (c == "passport_number") {
          row.passport_number = v;
        } else {
          row.visa_category = v;
        }
      }
      return true;
    }
  }

 private:
  lists::CsvRecords records_;
  std::vector<std::string> columns_;
};

class JsonRowReader final : public RowReader {
 public:
  explicit JsonRowReader(std::istream& in) : in_(in) {}

  bool Next(Row& row) override {
    std::string text;
    for (;;) {
      if (!std::getline(in_, text)) return false;
      ++line_;
      if (text.find_first_not_of(" \t\r") != std::string::npos) break;
    }
    row = Row{};
    row.line = line_;
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      row.error = "not a JSON object";
      return true;
    }
    for (const auto& [key, value] : j.items()) {
      if (key == "id") {
        if (value.is_string()) {
          row.id = value.get<std::string>();
        } else if (value.is_number_integer()) {
          row.id = value.dump();
        } else {
          row.error = "\"id\" must be a string or an integer";
          continue;
        }
        row.id_json = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      } else if (key == "mrz" && value.is_array() && !value.empty() &&
                 std::all_of(value.begin(), value.end(),
                             [](const nlohmann::json& v) { return v.is_string(); })) {
        for (const auto& l : value) row.mrz_lines.push_back(l.get<std::string>());
      } else if (std::find(std::begin(kColumns) + 1, std::end(kColumns), key) ==
                 std::end(kColumns)) {
        if (row.error.empty()) row.error = "unknown member \"" + key + "\"";
      } else if (!value.is_string()) {
        if (row.error.empty())
          row.error = "\"" + key + "\" must be a string" + (key == "mrz" ? " or lines" : "");
      } else {
        std::string v = value.get<std::string>();
        (key == "mrz"               ? row.mrz
         : key == "image"           ? row.image
         : key == "seal"            ? row.seal
         : key == "passport_number" ? row.passport_number
                                    : row.visa_category) = std::move(v);
      }
    }
    return true;
  }

 private:
  std::istream& in_;
  std::int64_t line_ = 0;
};

enum class Kind { kClear, kReview, kReject, kUnreadable, kBad };

void Count(BulkTally& t, Kind kind, bool hit);
Kind KindOfVerdict(const std::string& verdict);
Kind KindOfProblem(const std::string& type);

// What an earlier run left in OUT: the keys answered, their tally, and
// where the answers end (a cut last line and the summary come after).
struct Earlier {
  // Answers per key (a repeated id is answered as an error under the same
  // key, so one key may have several).
  std::unordered_map<std::string, int> keys;
  BulkTally tally;
  std::uintmax_t keep_bytes = 0;
  bool has_header = false;
};

Result<Earlier> ReadEarlier(const std::filesystem::path& path, Format format);

}  // namespace bulk
}  // namespace tdv::app

#endif  // TDV_APP_BULK_ROWS_H_
