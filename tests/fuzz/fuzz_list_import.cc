// SPDX-License-Identifier: Apache-2.0
// Fuzz target: list files as `tdv lists import` and POST /v1/lists/{list}
// read them (tdv/lists/import_format.h). Input byte 0 picks the reading:
// bit 0 CSV or JSON Lines, bit 1 full or delta, bit 2 the reader alone or an
// import into a real SQLite store (skip mode or all-or-nothing). Any bytes
// must give rows or row errors, never a crash or an exception, and what
// comes back must hold together: rows numbered by increasing line within
// the file, keys normalised, a full file's `op` always upsert; an import's
// counts adding up, nothing committed when a row was bad in all-or-nothing
// mode, the store holding exactly the committed version's records, and an
// index following the store finding each of them.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "tdv/lists/import_format.h"
#include "tdv/lists/list_index.h"
#include "tdv/lists/list_store.h"
#include "tdv/lists/record.h"

namespace {

namespace lists = tdv::lists;

bool Normalised(const std::string& number) {
  return !number.empty() && lists::NormalizeNumber(number) == number;
}

void ReadAll(const std::string& bytes, lists::FileFormat format, bool delta) {
  std::int64_t lines = 1;
  for (char c : bytes) lines += c == '\n';
  std::istringstream in(bytes);
  auto reader = lists::RecordReader::Open(in, format, delta);
  if (!reader) return;  // an unusable header: an error, as it should be
  lists::ParsedRow row;
  std::optional<lists::RowError> error;
  std::int64_t last = 0;
  while ((*reader)->Next(row, error)) {
    const std::int64_t line = error ? error->line : row.line;
    if (line < last || line < 1 || line > lines) std::abort();
    last = line;
    if (error) {
      if (error->message.empty()) std::abort();
      error.reset();
      continue;
    }
    if (row.record.issuing_state.empty() || row.record.document_type.empty()) std::abort();
    if (!Normalised(row.record.document_number)) std::abort();
    if (!delta && row.op != lists::ChangeOp::kUpsert) std::abort();
  }
}

// One store for the whole run: opening SQLite per input would be the run.
lists::ListStore& Store() {
  static std::unique_ptr<lists::ListStore> store = [] {
    const auto path = std::filesystem::temp_directory_path() /
                      ("fuzz_list_import." + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    auto opened = lists::OpenSqliteStore(path.string());
    if (!opened) std::abort();
    return std::move(*opened);
  }();
  return *store;
}

std::int64_t Count(lists::ListStore& store, const std::string& list) {
  std::int64_t n = 0;
  if (!store.Scan(list, [&](const std::string&, const lists::ListRecord&) { ++n; })) std::abort();
  return n;
}

// An index following the store (a full import rebuilds its list, a delta
// goes to the overlay) finds every record it holds as an exact hit, and
// holds as many as it finds: its base, overlay and deletions agree with the
// store. A record of a state the index does not know is in neither.
void CheckIndex(lists::ListStore& store, const std::string& list) {
  static lists::ListIndex index;
  static bool loaded = false;
  if (!(loaded ? index.Refresh(store) : index.Load(store))) std::abort();
  loaded = true;
  std::int64_t found = 0;
  const auto scanned = store.Scan(list, [&](const std::string&, const lists::ListRecord& r) {
    const auto hits = index.Lookup({r.issuing_state, r.document_type, r.document_number});
    if (hits.empty()) return;
    ++found;
    if (hits[0].kind != lists::ListHit::Kind::kExact ||
        hits[0].record.document_number != r.document_number)
      std::abort();
  });
  if (!scanned.has_value() || index.record_count() != found) std::abort();
}

void Import(const std::string& bytes, lists::FileFormat format, bool delta, bool skip) {
  lists::ListStore& store = Store();
  const std::string list = "fuzz";
  const std::int64_t before = Count(store, list);
  std::istringstream in(bytes);
  lists::ImportOptions options;
  options.list = list;
  options.source = "fuzz";
  options.actor = "fuzz";
  options.delta = delta;
  lists::ImportFileOptions file_options;
  file_options.skip_bad_rows = skip;
  const auto report = lists::ImportFile(store, options, in, format, file_options);
  if (!report) {
    if (Count(store, list) != before) std::abort();  // an error changes nothing
    return;
  }
  if (report->error_count < static_cast<std::int64_t>(report->errors.size())) std::abort();
  if (report->skipped > report->rows) std::abort();
  const std::int64_t after = Count(store, list);
  if (!report->committed) {
    if (skip && report->error_count == 0) std::abort();
    if (after != before) std::abort();
    return;
  }
  if (!skip && report->error_count > 0) std::abort();  // all or nothing
  if (report->summary.record_count != after) std::abort();
  if (!delta && report->summary.upserted != after) std::abort();
  CheckIndex(store, list);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto format = (data[0] & 1) != 0 ? lists::FileFormat::kJsonLines : lists::FileFormat::kCsv;
  const bool delta = (data[0] & 2) != 0;
  if ((data[0] & 4) == 0) {
    ReadAll(bytes, format, delta);
  } else {
    Import(bytes, format, delta, (data[0] & 8) != 0);
  }
  return 0;
}
