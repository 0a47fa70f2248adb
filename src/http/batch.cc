// SPDX-License-Identifier: Apache-2.0
#include "batch.h"

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bulk_lane.h"
#include "tdv/http/report_json.h"

namespace tdv::http::internal {
namespace {

constexpr std::size_t kFlushBytes = 64u << 10;
// Items a worker takes at once (and records in one commit).
constexpr std::size_t kGroup = 64;

struct Item {
  std::size_t line = 0;
  std::string text;
};

struct Answer {
  std::string id;  // the item's "id" as JSON text, or ""
  std::size_t line = 0;
  std::string json;  // the whole output line, without its newline
  std::optional<lists::TrailEntry> entry;
  std::optional<verify::Verdict> verdict;  // none: an error line
  bool unrecorded = false;                 // the audit trail failed for it
};

std::string ErrorLine(const std::string& id, std::size_t line, int status, std::string_view type,
                      std::string_view title, std::string_view detail) {
  std::string out = "{";
  if (!id.empty()) out += "\"id\":" + id + ",";
  out += "\"line\":" + std::to_string(line) + ",\"error\":";
  out += ProblemJson(status, type, title, detail);
  return out + "}";
}

// One item, as POST /v1/verify would answer it.
Answer Verify(const verify::Verifier& verifier, verify::AuditTrail* audit,
              const std::string& key_id, const Item& item,
              const std::function<void(const verify::VerificationReport&)>& observe) {
  Answer a;
  a.line = item.line;
  std::string& id = a.id;
  Result<verify::VerifyRequest> request = ParseVerifyRequestJson(item.text, &id);
  if (!request) {
    const bool malformed = request.error().message.rfind("malformed JSON", 0) == 0;
    a.json = ErrorLine(id, item.line, malformed ? 400 : 422,
                       malformed ? "malformed-json" : "invalid-request",
                       malformed ? "Malformed JSON" : "Invalid request", request.error().message);
    return a;
  }
  Result<verify::VerificationReport> report = verifier.Verify(*request);
  if (!report) {
    const ProblemKind k = ProblemFor(report.error().code, !request->image.empty());
    a.json = ErrorLine(id, item.line, k.status, k.type, k.title, report.error().message);
    return a;
  }
  a.verdict = report->verdict;
  if (observe) observe(*report);
  if (audit != nullptr) a.entry = audit->VerificationEntry(key_id, *report);
  a.json = "{";
  if (!id.empty()) a.json += "\"id\":" + id + ",";
  a.json += "\"line\":" + std::to_string(item.line) + ",\"report\":";
  a.json += ReportToJson(*report);
  a.json += "}";
  return a;
}

class Batch {
 public:
  Batch(const verify::Verifier& verifier, verify::AuditTrail* audit, const std::string& key_id,
        const BatchOptions& options, httplib::Stream& out, BatchCounts& counts,
        const std::function<void(const verify::VerificationReport&)>& observe)
      : verifier_(verifier),
        audit_(audit),
        key_id_(key_id),
        options_(options),
        out_(out),
        counts_(counts),
        observe_(observe) {}

  bool Run(const httplib::ContentReader& read_body) {
    static constexpr char kHead[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
        "Transfer-Encoding: chunked\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    if (!WriteAll(kHead, sizeof(kHead) - 1)) return false;
    for (int i = 0; i < std::max(1, options_.threads); ++i)
      workers_.emplace_back([this] {
        LowerThisThreadPriority();  // a batch gives way to single checks
        Work();
      });
    std::string pending;    // the start of a line not yet complete
    bool skipping = false;  // inside a line over the limit
    read_body([&](const char* data, std::size_t len) {
      for (std::size_t i = 0; i < len && !stop_reading_;) {
        const char* nl = static_cast<const char*>(std::memchr(data + i, '\n', len - i));
        const std::size_t end = nl != nullptr ? static_cast<std::size_t>(nl - data) : len;
        if (!skipping) pending.append(data + i, end - i);
        if (!skipping && pending.size() > options_.max_line_bytes) {
          ++line_;
          Emit(ErrorLine(
              "", line_, 413, "payload-too-large", "Line too large",
              "an item's line is over " + std::to_string(options_.max_line_bytes) + " bytes"));
          pending.clear();
          skipping = true;
        }
        if (nl == nullptr) break;
        if (skipping) {
          skipping = false;
        } else {
          Take(std::move(pending));
          pending.clear();
        }
        i = end + 1;
      }
      Drain(false);
      return !stop_reading_;
    });
    if (!stop_reading_ && !skipping && !pending.empty()) Take(std::move(pending));
    {
      std::lock_guard lock(mu_);
      input_done_ = true;
    }
    work_cv_.notify_all();
    while (InFlight() > 0 && !failed_) Drain(true);
    {
      std::lock_guard lock(mu_);
      abandon_ = true;  // a failed stream: the rest is not verified
      input_.clear();
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
    if (failed_) return false;
    std::string summary = "{\"summary\":{\"items\":" + std::to_string(counts_.items) +
                          ",\"clear\":" + std::to_string(counts_.clear) +
                          ",\"review\":" + std::to_string(counts_.review) +
                          ",\"reject\":" + std::to_string(counts_.reject) +
                          ",\"errors\":" + std::to_string(counts_.errors) +
                          ",\"truncated\":" + (counts_.truncated ? "true" : "false") + "}}";
    Emit(summary);
    return Flush() && WriteAll("0\r\n\r\n", 5);
  }

 private:
  // A complete input line: queued for the workers (blank lines are skipped).
  void Take(std::string text) {
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
      text.pop_back();
    ++line_;
    if (text.find_first_not_of(" \t") == std::string::npos) return;
    if (counts_.items >= options_.max_items) {
      counts_.truncated = true;
      Emit(ErrorLine("", line_, 413, "too-many-items", "Too many items",
                     "a batch takes at most " + std::to_string(options_.max_items) +
                         " items; this one ends here"));
      stop_reading_ = true;
      return;
    }
    ++counts_.items;
    bool was_empty = false;
    {
      std::lock_guard lock(mu_);
      was_empty = input_.empty();
      input_.push_back(Item{line_, std::move(text)});
      ++in_flight_;
    }
    // A worker waits only when there was nothing to take (a wake-up per
    // item was a sixth of a batch's time in the kernel).
    if (was_empty) work_cv_.notify_all();
    // Back-pressure: no more reading while the window is full.
    while (InFlight() >= options_.window && !failed_) Drain(true);
  }

  std::size_t InFlight() {
    std::lock_guard lock(mu_);
    return in_flight_;
  }

  // Takes up to kGroup items at a time, verifies them, records their
  // entries in the audit trail in one commit (the trail joins both workers'
  // commits), then hands the answers to the writing thread: the audit
  // trail's work runs beside the reading and writing, not in between.
  void Work() {
    std::vector<Item> items;
    std::vector<Answer> done;
    for (;;) {
      items.clear();
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [this] { return !input_.empty() || input_done_ || abandon_; });
        if (abandon_ || input_.empty()) return;
        while (!input_.empty() && items.size() < kGroup) {
          items.push_back(std::move(input_.front()));
          input_.pop_front();
        }
      }
      done.clear();
      std::vector<lists::TrailEntry> entries;
      for (const Item& item : items) {
        done.push_back(Verify(verifier_, audit_, key_id_, item, observe_));
        if (done.back().entry) entries.push_back(std::move(*done.back().entry));
      }
      if (audit_ != nullptr && !entries.empty() && !audit_->RecordAll(std::move(entries))) {
        for (Answer& a : done) {
          if (!a.verdict) continue;
          // Not recorded, so not answered (as POST /v1/verify answers 503).
          a.verdict.reset();
          a.unrecorded = true;
          a.json =
              ErrorLine(a.id, a.line, 503, "unavailable", "Service unavailable",
                        "the check cannot be recorded in the audit trail; it was not answered");
        }
      }
      bool was_empty = false;
      {
        std::lock_guard lock(mu_);
        was_empty = answers_.empty();
        for (Answer& a : done) answers_.push_back(std::move(a));
      }
      if (was_empty) done_cv_.notify_one();
    }
  }

  // Writes the answers that are ready (waiting for one when `wait`); each
  // is in the audit trail already.
  void Drain(bool wait) {
    std::vector<Answer> ready;
    {
      std::unique_lock lock(mu_);
      if (wait) done_cv_.wait(lock, [this] { return !answers_.empty(); });
      ready.swap(answers_);
    }
    if (ready.empty()) return;
    for (Answer& a : ready) {
      if (a.unrecorded) stop_reading_ = true;  // the trail failed: the batch ends
      if (!a.verdict) {
        ++counts_.errors;
      } else if (*a.verdict == verify::Verdict::kClear) {
        ++counts_.clear;
      } else if (*a.verdict == verify::Verdict::kReview) {
        ++counts_.review;
      } else {
        ++counts_.reject;
      }
      Emit(a.json);
    }
    {
      std::lock_guard lock(mu_);
      in_flight_ -= ready.size();
    }
    if (!Flush()) failed_ = true;
  }

  void Emit(const std::string& line) {
    buffer_ += line;
    buffer_ += '\n';
    if (buffer_.size() >= kFlushBytes && !Flush()) failed_ = true;
  }

  // One HTTP chunk with everything buffered.
  bool Flush() {
    if (failed_) return false;
    if (buffer_.empty()) return true;
    char size[24];
    const int n = std::snprintf(size, sizeof(size), "%zx\r\n", buffer_.size());
    buffer_ += "\r\n";
    const bool ok =
        WriteAll(size, static_cast<std::size_t>(n)) && WriteAll(buffer_.data(), buffer_.size());
    buffer_.clear();
    if (!ok) {
      failed_ = true;
      stop_reading_ = true;
    }
    return ok;
  }

  bool WriteAll(const char* data, std::size_t size) {
    while (size > 0) {
      const ssize_t n = out_.write(data, size);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  const verify::Verifier& verifier_;
  verify::AuditTrail* audit_;
  const std::string& key_id_;
  const BatchOptions& options_;
  httplib::Stream& out_;
  BatchCounts& counts_;
  const std::function<void(const verify::VerificationReport&)>& observe_;
  std::vector<std::thread> workers_;
  std::size_t line_ = 0;
  std::string buffer_;
  bool stop_reading_ = false, failed_ = false;
  // Shared with the workers.
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Item> input_;
  std::vector<Answer> answers_;
  std::size_t in_flight_ = 0;
  bool input_done_ = false, abandon_ = false;
};

}  // namespace

bool RunBatch(const verify::Verifier& verifier, verify::AuditTrail* audit,
              const std::string& key_id, const BatchOptions& options,
              const httplib::ContentReader& read_body, httplib::Stream& out, BatchCounts& counts,
              const std::function<void(const verify::VerificationReport&)>& observe) {
  Batch batch(verifier, audit, key_id, options, out, counts, observe);
  return batch.Run(read_body);
}

}  // namespace tdv::http::internal
