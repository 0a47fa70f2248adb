// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the bytes `tdv bulk` reads from outside (src/app/bulk_rows.h).
// Input byte 0 picks the reader, the rest is the file: 0 -> INPUT as CSV,
// 1 -> INPUT as JSON Lines, 2 -> an earlier run's OUT as JSON Lines, 3 -> as
// CSV. Any bytes must give rows or an error, never a crash or an exception,
// and what comes back must be self-consistent: rows numbered by increasing
// input line within the input, an id's JSON form valid JSON; an earlier
// run's tally adding up to its answers, kept bytes within the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "bulk_rows.h"

namespace {

namespace bulk = tdv::app::bulk;

void ReadRows(bulk::RowReader& reader, std::int64_t lines) {
  bulk::Row row;
  std::int64_t last = 0;
  while (reader.Next(row)) {
    if (row.line <= last || row.line > lines) std::abort();
    last = row.line;
    if (!row.id_json.empty() && nlohmann::json::parse(row.id_json, nullptr, false).is_discarded())
      std::abort();
    // An id has its JSON form (a JSON Lines id may be the empty string).
    if (!row.id.empty() && row.id_json.empty()) std::abort();
  }
}

void ReadEarlier(const std::string& bytes, bulk::Format format) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("fuzz_bulk_rows." + std::to_string(::getpid()));
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  const auto earlier = bulk::ReadEarlier(path, format);
  std::filesystem::remove(path);
  if (!earlier) return;
  const tdv::app::BulkTally& t = earlier->tally;
  if (earlier->keep_bytes > bytes.size()) std::abort();
  if (t.rows != t.clear + t.review + t.reject + t.unreadable + t.bad_rows) std::abort();
  if (t.resumed != t.rows || t.list_hits > t.rows) std::abort();
  std::int64_t answered = 0;
  for (const auto& [key, n] : earlier->keys) answered += n;
  if (answered != t.rows) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  std::int64_t lines = 1;
  for (char c : bytes) lines += c == '\n';
  switch (data[0] % 4) {
    case 0: {
      std::istringstream in(bytes);
      bulk::CsvRowReader reader(in);
      if (reader.Open()) ReadRows(reader, lines);
      break;
    }
    case 1: {
      std::istringstream in(bytes);
      bulk::JsonRowReader reader(in);
      ReadRows(reader, lines);
      break;
    }
    case 2:
      ReadEarlier(bytes, bulk::Format::kJsonl);
      break;
    default:
      ReadEarlier(bytes, bulk::Format::kCsv);
      break;
  }
  return 0;
}
