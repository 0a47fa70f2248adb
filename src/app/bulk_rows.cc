// SPDX-License-Identifier: Apache-2.0
#include "bulk_rows.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tdv::app::bulk {

namespace fs = std::filesystem;
using nlohmann::json;

void Count(BulkTally& t, Kind kind, bool hit) {
  ++t.rows;
  switch (kind) {
    case Kind::kClear:
      ++t.clear;
      break;
    case Kind::kReview:
      ++t.review;
      break;
    case Kind::kReject:
      ++t.reject;
      break;
    case Kind::kUnreadable:
      ++t.unreadable;
      break;
    case Kind::kBad:
      ++t.bad_rows;
      break;
  }
  if (hit) ++t.list_hits;
}

Kind KindOfVerdict(const std::string& verdict) {
  return verdict == "clear" ? Kind::kClear : verdict == "reject" ? Kind::kReject : Kind::kReview;
}

Kind KindOfProblem(const std::string& type) {
  return type.find("no-mrz-found") != std::string::npos ||
                 type.find("invalid-image") != std::string::npos
             ? Kind::kUnreadable
             : Kind::kBad;
}

Result<Earlier> ReadEarlier(const fs::path& path, Format format) {
  Earlier e;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kInvalidInput, "cannot read " + path.string()};
  std::string line;
  std::uintmax_t offset = 0;
  std::int64_t n = 0;
  auto bad = [&](const std::string& why) {
    return Error{ErrorCode::kInvalidInput,
                 path.string() + " line " + std::to_string(n) +
                     " is not an answer of `tdv bulk` (" + why +
                     "); resume with the OUT of the same run, or give another --out"};
  };
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: cut short, dropped
    ++n;
    const std::uintmax_t next = offset + line.size() + 1;
    if (format == Format::kJsonl) {
      const json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
      if (j.contains("summary")) break;  // a finished run's summary: the answers end here
      if (!j.contains("line") || !j["line"].is_number_integer()) return bad("no \"line\"");
      std::string id;
      if (j.contains("id")) id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
      Kind kind = Kind::kBad;
      bool hit = false;
      if (j.contains("report") && j["report"].is_object()) {
        const json& r = j["report"];
        if (!r.contains("verdict") || !r["verdict"].is_string()) return bad("a report, no verdict");
        kind = KindOfVerdict(r["verdict"].get<std::string>());
        hit = r.contains("lists") && r["lists"].is_object() && r["lists"].contains("hits") &&
              r["lists"]["hits"].is_array() && !r["lists"]["hits"].empty();
      } else if (j.contains("error") && j["error"].is_object()) {
        const json& err = j["error"];
        if (!err.contains("type") || !err["type"].is_string()) return bad("an error, no type");
        kind = KindOfProblem(err["type"].get<std::string>());
      } else {
        return bad("neither \"report\" nor \"error\"");
      }
      ++e.keys[KeyOf(id, j["line"].get<std::int64_t>())];
      Count(e.tally, kind, hit);
    } else {
      std::istringstream one(line);
      lists::CsvRecords records(one);
      std::vector<std::string> f;
      std::int64_t unused = 0;
      std::string error;
      records.Next(f, unused, error);
      if (n == 1) {
        if (line != kCsvHeader) return bad("not the header of `tdv bulk`'s CSV");
        e.has_header = true;
      } else {
        if (f.size() != 13 || !error.empty()) return bad("13 fields expected");
        const Kind kind = f[2].empty() ? KindOfProblem(f[12]) : KindOfVerdict(f[2]);
        ++e.keys[KeyOf(f[0], std::strtoll(f[1].c_str(), nullptr, 10))];
        Count(e.tally, kind, !f[11].empty());
      }
    }
    offset = next;
  }
  e.keep_bytes = offset;
  e.tally.resumed = e.tally.rows;
  return e;
}

}  // namespace tdv::app::bulk
