// SPDX-License-Identifier: Apache-2.0
#include "bulk_cmd.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bulk_rows.h"
#include "exit_codes.h"
#include "tdv/http/report_json.h"
#include "tdv/lists/import_format.h"

namespace tdv::app {
namespace {

using bulk::Count;
using bulk::CsvRowReader;
using bulk::Earlier;
using bulk::Format;
using bulk::JsonRowReader;
using bulk::kCsvHeader;
using bulk::KeyOf;
using bulk::Kind;
using bulk::KindOfProblem;
using bulk::KindOfVerdict;
using bulk::ReadEarlier;
using bulk::Row;
using bulk::RowReader;

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

Result<std::vector<std::uint8_t>> ReadFileBytes(const fs::path& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> out;
  if (in) out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in && !in.eof())
    return Error{ErrorCode::kInvalidInput,
                 std::string("cannot read ") + what + " " + path.string()};
  if (out.empty())
    return Error{ErrorCode::kInvalidInput, std::string(what) + " " + path.string() + " is empty"};
  return out;
}

Result<verify::VerifyRequest> BuildRequest(const Row& row, const fs::path& base,
                                           const verify::VerifyOptions& options) {
  auto invalid = [](std::string m) { return Error{ErrorCode::kInvalidInput, std::move(m)}; };
  if (!row.error.empty()) return invalid(row.error);
  const bool has_mrz =
      !row.mrz_lines.empty() || row.mrz.find_first_not_of(" \t\r\n") != std::string::npos;
  if (has_mrz && !row.image.empty()) return invalid("give mrz or image, not both");
  if (!has_mrz && row.image.empty() && row.seal.empty())
    return invalid("the row has no mrz, image or seal");
  verify::VerifyRequest request;
  request.options = options;
  request.mrz_text = row.mrz;
  request.mrz_lines = row.mrz_lines;
  request.passport_number = row.passport_number;
  request.visa_category = row.visa_category;
  auto resolve = [&base](const std::string& p) {
    return fs::path(p).is_absolute() ? fs::path(p) : base / p;
  };
  if (!row.image.empty()) {
    auto bytes = ReadFileBytes(resolve(row.image), "image");
    if (!bytes) return bytes.error();
    request.image = std::move(*bytes);
  }
  if (!row.seal.empty()) {
    auto bytes = ReadFileBytes(resolve(row.seal), "seal");
    if (!bytes) return bytes.error();
    request.seal = std::move(*bytes);
  }
  return request;
}

struct Answer {
  std::string text;  // the output line(s), newline included
  std::optional<lists::TrailEntry> entry;
  Kind kind = Kind::kBad;
  bool hit = false;
  std::string key;
};

// One CSV output field on one line (the output is one record per line, so
// that a resumed run can cut a half-written one).
std::string Field(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return lists::CsvField(s);
}

std::string CsvAnswer(const Row& row, const verify::VerificationReport* report,
                      const std::string& error) {
  std::string reasons, hits;
  std::vector<std::string> f = {row.id, std::to_string(row.line)};
  if (report != nullptr) {
    for (const auto& r : report->reasons) reasons += (reasons.empty() ? "" : ";") + r.code;
    if (report->lists) {
      for (const auto& h : report->lists->hits) {
        hits += (hits.empty() ? "" : ";") +
                std::string(h.kind == lists::ListHit::Kind::kExact ? "exact" : "possible") + " " +
                h.list + " " + std::string(lists::RecordStatusName(h.record.status)) +
                (h.record.reporting_agency.empty() ? "" : " " + h.record.reporting_agency);
      }
    }
    const mrz::Mrz& m = report->mrz;
    const std::string birth = m.birth_date.Iso(), expiry = m.expiry_date.Iso();
    f.insert(f.end(), {verify::VerdictName(report->verdict), reasons,
                       report->mrz_source == "none" ? "" : mrz::FormatName(m.format),
                       m.document_code.value, m.issuing_state.value, m.document_number.value,
                       m.nationality.value, birth.empty() ? m.birth_date.raw : birth,
                       expiry.empty() ? m.expiry_date.raw : expiry, hits, ""});
  } else {
    f.insert(f.end(), {"", "", "", "", "", "", "", "", "", "", error});
  }
  std::string out;
  for (std::size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + Field(f[i]);
  return out + "\n";
}

Answer Check(const Row& row, const fs::path& base, const BulkFlags& flags, Format out_format,
             const verify::Verifier& verifier, verify::AuditTrail& audit,
             const std::string& actor) {
  Answer a;
  a.key = KeyOf(row.id, row.line);
  const std::string head = "{" + (row.id_json.empty() ? "" : "\"id\":" + row.id_json + ",") +
                           "\"line\":" + std::to_string(row.line) + ",";
  auto fail = [&](const http::ProblemKind& k, const std::string& detail) {
    a.kind = KindOfProblem(k.type);
    a.text =
        out_format == Format::kJsonl
            ? head + "\"error\":" + http::ProblemJson(k.status, k.type, k.title, detail) + "}\n"
            : CsvAnswer(row, nullptr, std::string(k.type) + ": " + detail);
  };
  Result<verify::VerifyRequest> request = BuildRequest(row, base, flags.options);
  if (!request) {
    fail({422, "invalid-row", "Invalid row"}, request.error().message);
    return a;
  }
  Result<verify::VerificationReport> report = verifier.Verify(*request);
  if (!report) {
    fail(http::ProblemFor(report.error().code, !request->image.empty()), report.error().message);
    return a;
  }
  a.kind = KindOfVerdict(verify::VerdictName(report->verdict));
  a.hit = report->lists && !report->lists->hits.empty();
  a.entry = audit.VerificationEntry(actor, *report);
  a.text = out_format == Format::kJsonl ? head + "\"report\":" + http::ReportToJson(*report) + "}\n"
                                        : CsvAnswer(row, &*report, "");
  return a;
}

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C stops at once
}

std::string Duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

class Progress {
 public:
  Progress(const std::string& mode, std::uintmax_t total_bytes, std::ostream& err)
      : bar_(mode == "auto" && isatty(STDERR_FILENO)),
        plain_(mode == "plain" || (mode == "auto" && !bar_)),
        total_(total_bytes),
        err_(err) {}

  void Update(std::int64_t rows, std::uintmax_t bytes, bool last) {
    const auto now = Clock::now();
    if (!last && now - shown_ < (bar_ ? std::chrono::milliseconds(200) : std::chrono::seconds(10)))
      return;
    shown_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(rows) / secs : 0;
    const double done = total_ > 0 ? std::min(1.0, double(bytes) / double(total_)) : -1;
    std::string eta;
    if (done > 0.01 && !last) eta = " ETA " + Duration(secs * (1 - done) / done);
    char line[160];
    if (bar_) {
      std::string bar;
      if (done >= 0) {
        const int filled = static_cast<int>(done * 30);
        bar = "[" + std::string(filled, '#') + std::string(30 - filled, '.') + "] " +
              std::to_string(static_cast<int>(done * 100)) + " % ";
      }
      std::snprintf(line, sizeof line, "\r%s%s rows, %.0f/s%s\x1b[K", bar.c_str(),
                    std::to_string(rows).c_str(), rate, eta.c_str());
      err_ << line << (last ? "\n" : "") << std::flush;
    } else if (plain_ && (!last || printed_)) {
      printed_ = true;
      std::snprintf(
          line, sizeof line, "tdv bulk: %s rows%s, %.0f rows/s%s", std::to_string(rows).c_str(),
          done >= 0 ? (" (" + std::to_string(static_cast<int>(done * 100)) + " %)").c_str() : "",
          rate, eta.c_str());
      err_ << line << "\n" << std::flush;
    }
  }

 private:
  bool bar_, plain_;
  bool printed_ = false;  // a plain line was shown (then the last one is too)
  std::uintmax_t total_;
  std::ostream& err_;
  Clock::time_point start_ = Clock::now(), shown_ = start_;
};

std::string SummaryJson(const BulkTally& t, double seconds, bool interrupted) {
  json s = {{"rows", t.rows},          {"clear", t.clear},         {"review", t.review},
            {"reject", t.reject},      {"list_hits", t.list_hits}, {"unreadable", t.unreadable},
            {"bad_rows", t.bad_rows},  {"resumed", t.resumed},     {"seconds", seconds},
            {"complete", !interrupted}};
  return json{{"summary", s}}.dump();
}

// --input-format / --format, else by the path's extension; `fallback` for
// standard input and output, and for an OUT of another extension.
Result<Format> FormatOf(const std::string& given, const std::string& path, Format fallback,
                        bool strict) {
  if (given == "csv") return Format::kCsv;
  if (given == "jsonl" || given == "ndjson") return Format::kJsonl;
  if (!given.empty())
    return Error{ErrorCode::kInvalidInput, "format '" + given + "' must be csv or jsonl"};
  if (path.empty() || path == "-") return fallback;
  auto f = lists::FormatForPath(path);
  if (!f) {
    if (!strict) return fallback;
    return f.error();
  }
  return *f == lists::FileFormat::kCsv ? Format::kCsv : Format::kJsonl;
}

}  // namespace

int RunBulk(const BulkFlags& flags, const verify::Verifier& verifier, verify::AuditTrail& audit,
            const std::string& actor, std::ostream& err) {
  auto fail = [&err](int code, const std::string& m) {
    err << "tdv: " << m << "\n";
    return code;
  };
  const bool from_stdin = flags.input == "-";
  auto in_format =
      FormatOf(flags.input_format, from_stdin ? "" : flags.input, Format::kJsonl, true);
  if (!in_format) return fail(kExitUsage, in_format.error().message + " (or --input-format)");
  auto out_format = FormatOf(flags.out_format, flags.out, Format::kJsonl, false);
  if (!out_format) return fail(kExitUsage, out_format.error().message);
  if (!flags.out.empty() && !from_stdin) {
    std::error_code ec;
    if (fs::equivalent(flags.input, flags.out, ec))
      return fail(kExitUsage, "--out must not be the input file");
  }

  std::ifstream file;
  std::uintmax_t total_bytes = 0;
  if (!from_stdin) {
    file.open(flags.input, std::ios::binary);
    if (!file) return fail(kExitUsage, "cannot read " + flags.input);
    std::error_code ec;
    total_bytes = fs::file_size(flags.input, ec);
  }
  std::istream& in = from_stdin ? std::cin : file;
  const fs::path base = from_stdin ? fs::current_path() : fs::path(flags.input).parent_path();
  std::unique_ptr<RowReader> reader;
  if (*in_format == Format::kCsv) {
    auto csv = std::make_unique<CsvRowReader>(in);
    if (Status st = csv->Open(); !st)
      return fail(kExitUsage, flags.input + ": " + st.error().message);
    reader = std::move(csv);
  } else {
    reader = std::make_unique<JsonRowReader>(in);
  }

  // OUT: what an earlier run answered stays; the rest is appended.
  Earlier earlier;
  std::ofstream out_file;
  if (!flags.out.empty()) {
    std::error_code ec;
    if (fs::exists(flags.out, ec) && fs::file_size(flags.out, ec) > 0) {
      auto e = ReadEarlier(flags.out, *out_format);
      if (!e) return fail(kExitUsage, e.error().message);
      earlier = std::move(*e);
      fs::resize_file(flags.out, earlier.keep_bytes, ec);
      if (ec) return fail(kExitUsage, "cannot resume " + flags.out + ": " + ec.message());
      if (!earlier.keys.empty())
        err << "tdv: resuming: " << earlier.tally.rows << " rows already in " << flags.out
            << " are skipped\n";
    }
    out_file.open(flags.out, std::ios::binary | std::ios::app);
    if (!out_file) return fail(kExitUsage, "cannot write " + flags.out);
  }
  std::ostream& out = flags.out.empty() ? std::cout : out_file;
  if (*out_format == Format::kCsv && !earlier.has_header) out << kCsvHeader << "\n";

  const int jobs = flags.jobs > 0
                       ? flags.jobs
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // A group is checked by `jobs` threads, recorded in one commit, written
  // and flushed: small enough for progress and resuming, large enough that
  // threads and commits cost little.
  const std::size_t group_rows = 512 * static_cast<std::size_t>(jobs);
  const std::size_t group_images = 4 * static_cast<std::size_t>(jobs);
  BulkTally tally = earlier.tally;
  std::unordered_set<std::string> seen;
  Progress progress(flags.progress, total_bytes, err);
  const auto start = Clock::now();
  g_interrupted = false;
  auto previous = std::signal(SIGINT, OnInterrupt);
  std::int64_t checked = 0;
  bool more = true;
  int code = kExitOk;
  std::vector<Row> rows;
  std::vector<Answer> answers;
  while (more && !g_interrupted) {
    rows.clear();
    std::size_t images = 0;
    Row row;
    while (rows.size() < group_rows && images < group_images) {
      if (!reader->Next(row)) {
        more = false;
        break;
      }
      std::string key = KeyOf(row.id, row.line);
      const bool repeated = !seen.insert(key).second;
      if (auto it = earlier.keys.find(key); it != earlier.keys.end() && it->second > 0) {
        --it->second;  // answered by the earlier run
        continue;
      }
      if (repeated && row.error.empty())
        row.error = "id '" + row.id + "' appears earlier in the input";
      images += !row.image.empty();
      rows.push_back(std::move(row));
    }
    if (in.bad()) {
      code = fail(kExitUsage, "reading " + flags.input + " failed");
      break;
    }
    answers.assign(rows.size(), Answer{});
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i; (i = next++) < rows.size();)
        answers[i] = Check(rows[i], base, flags, *out_format, verifier, audit, actor);
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < jobs && rows.size() > 1; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    std::vector<lists::TrailEntry> entries;
    for (auto& a : answers)
      if (a.entry) entries.push_back(std::move(*a.entry));
    if (!entries.empty()) {
      if (Status st = audit.RecordAll(std::move(entries)); !st) {
        code =
            fail(kExitUnavailable,
                 "the checks cannot be recorded in the audit trail (" + st.error().message + "); " +
                     (flags.out.empty()
                          ? ""
                          : flags.out + " holds every row before line " +
                                std::to_string(rows.front().line) + "; run again to resume"));
        break;
      }
    }
    std::string text;
    for (const auto& a : answers) {
      text += a.text;
      Count(tally, a.kind, a.hit);
    }
    out << text << std::flush;
    if (!out) {
      code =
          fail(kExitUsage, "writing " + (flags.out.empty() ? "the output" : flags.out) + " failed");
      break;
    }
    checked += static_cast<std::int64_t>(rows.size());
    const auto pos = from_stdin ? std::streampos(-1) : file.tellg();
    progress.Update(checked, pos < 0 ? total_bytes : static_cast<std::uintmax_t>(pos), false);
  }
  std::signal(SIGINT, previous);
  progress.Update(checked, total_bytes, true);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (code != kExitOk) return code;
  const bool interrupted = g_interrupted;
  if (*out_format == Format::kJsonl && !interrupted)
    out << SummaryJson(tally, seconds, false) << "\n" << std::flush;
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1f s, %.0f rows/s", seconds,
                seconds > 0 ? static_cast<double>(checked) / seconds : 0.0);
  err << "tdv bulk: " << (interrupted ? "interrupted; run the same command again to resume. " : "")
      << tally.rows << " rows: " << tally.clear << " clear, " << tally.review << " review, "
      << tally.reject << " reject, " << tally.list_hits << " with list hits, " << tally.unreadable
      << " unreadable, " << tally.bad_rows << " bad rows";
  if (tally.resumed > 0) err << " (" << tally.resumed << " from an earlier run)";
  err << "; checked " << checked << " in " << rate << "\n";
  if (interrupted) return kExitInterrupted;
  return tally.rows == tally.clear ? kExitOk : kExitNotClear;
}

}  // namespace tdv::app
