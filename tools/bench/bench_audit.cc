// SPDX-License-Identifier: Apache-2.0
// The audit trail's figures: appends (grouped, as `tdv serve` makes them,
// and in bulk), `tdv audit verify` over a large trail, and the erasure of
// the document fields of all but its last 30 days (the entries are spread
// evenly over a year, 2025).
//
//   bench_audit [ENTRIES] [FILE]
// ENTRIES defaults to 10,000,000; FILE to a temporary file (removed after).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tdv/verify/audit.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Entry i of `total` spread over 2025: its time.
std::string TimeOf(long i, long total) {
  const std::time_t t =
      1735689600 +
      static_cast<std::time_t>(365.0 * 86400 * static_cast<double>(i) / static_cast<double>(total));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return text;
}

tdv::lists::TrailEntry Entry(const tdv::verify::AuditTrail& trail, long i, long total) {
  tdv::lists::TrailEntry e;
  e.time = TimeOf(i, total);
  e.key_id = "0123456789abcdef";
  e.action = "verify";
  e.document = trail.DocumentHash("UTO", "P", "L" + std::to_string(10000000 + i % 5000000));
  e.verdict = i % 10 == 0 ? "review" : "clear";
  e.reasons = i % 10 == 0 ? "expiring_soon" : "";
  e.detail = "source=text";
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  const long total = argc > 1 ? std::atol(argv[1]) : 10000000L;
  const std::filesystem::path file =
      argc > 2 ? std::filesystem::path(argv[2])
               : std::filesystem::temp_directory_path() /
                     ("bench_audit_" + std::to_string(::getpid()) + ".db");
  const bool remove = argc <= 2;
  auto store = tdv::lists::OpenSqliteAuditStore(file.string());
  if (!store) {
    std::fprintf(stderr, "bench_audit: %s\n", store.error().message.c_str());
    return 2;
  }
  tdv::verify::AuditTrail trail(std::move(*store), std::string(64, 'a'), {});

  // Grouped: 16 threads each recording one entry at a time and waiting for
  // its commit, as 16 server workers do.
  const int threads = 16, per_thread = 2000;
  auto t0 = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        if (!trail.Record(Entry(trail, t * per_thread + i, total))) std::abort();
      }
    });
  }
  for (auto& w : workers) w.join();
  const double grouped = Seconds(t0);
  std::printf(
      "grouped appends, 16 threads waiting for their commit: %d entries in %.2f s = %.0f/s\n",
      threads * per_thread, grouped, threads * per_thread / grouped);

  // Bulk: the rest in batches of 10,000.
  t0 = Clock::now();
  long written = threads * per_thread;
  while (written < total) {
    std::vector<tdv::lists::TrailEntry> batch;
    const long n = std::min(10000L, total - written);
    for (long i = 0; i < n; ++i) batch.push_back(Entry(trail, written + i, total));
    if (!trail.RecordAll(std::move(batch))) std::abort();
    written += n;
  }
  const double bulk = Seconds(t0);
  std::printf("bulk appends: %ld entries in %.1f s = %.0f/s\n", written - threads * per_thread,
              bulk, static_cast<double>(written - threads * per_thread) / bulk);

  t0 = Clock::now();
  auto check = trail.VerifyChain();
  const double verify = Seconds(t0);
  if (!check) {
    std::fprintf(stderr, "bench_audit: %s\n", check.error().message.c_str());
    return 2;
  }
  std::printf("verify: %lld entries in %.1f s = %.0f/s, %s; file %.0f MB\n",
              static_cast<long long>(check->entries), verify,
              static_cast<double>(check->entries) / verify, check->intact() ? "intact" : "BROKEN",
              static_cast<double>(std::filesystem::file_size(file)) / 1e6);
  // An auditor's lookup of one document's checks (with 10 million entries
  // each document is in the trail twice: i and i + 5,000,000), 50 documents
  // spread over the trail.
  std::vector<double> ms;
  for (int k = 0; k < 50; ++k) {
    tdv::lists::TrailQuery q;
    q.document = trail.DocumentHash(
        "UTO", "P", "L" + std::to_string(10000000 + k * 99991L % std::min(total, 5000000L)));
    t0 = Clock::now();
    auto found = trail.Query(q);
    ms.push_back(Seconds(t0) * 1000);
    if (!found || found->empty()) {
      std::fprintf(stderr, "bench_audit: a document was not found\n");
      return 1;
    }
  }
  std::sort(ms.begin(), ms.end());
  std::printf("find a document's entries: median %.1f ms, max %.1f ms (50 lookups)\n",
              ms[ms.size() / 2], ms.back());
  // Retention: the document fields of every entry older than 30 days
  // erased, then the whole chain verified again.
  const std::string before = TimeOf(total - total * 30 / 365, total);
  t0 = Clock::now();
  auto erased = trail.ErasePersonal(before, "bench");
  const double erase = Seconds(t0);
  if (!erased) {
    std::fprintf(stderr, "bench_audit: %s\n", erased.error().message.c_str());
    return 2;
  }
  t0 = Clock::now();
  auto after = trail.VerifyChain();
  const double reverify = Seconds(t0);
  if (!after) return 2;
  std::printf(
      "erase the document fields of entries before %s: %lld entries in %.1f s = %.0f/s; verify "
      "after: %.1f s, %s, %lld erased; file %.0f MB\n",
      before.c_str(), static_cast<long long>(erased->entries), erase,
      static_cast<double>(erased->entries) / erase, reverify, after->intact() ? "intact" : "BROKEN",
      static_cast<long long>(after->erased),
      static_cast<double>(std::filesystem::file_size(file)) / 1e6);
  // A service started again: its first pass finds nothing more due; the
  // store keeps where erasure reached, so the pass does not scan the
  // entries erased before (appends wait while it runs).
  {
    auto again = tdv::lists::OpenSqliteAuditStore(file.string());
    if (!again) return 2;
    tdv::verify::AuditTrail restarted(std::move(*again), std::string(64, 'a'), {});
    t0 = Clock::now();
    auto pass = restarted.ErasePersonal(before, "bench");
    if (!pass) return 2;
    std::printf("a restarted service's first pass: %lld entries in %.3f s\n",
                static_cast<long long>(pass->entries), Seconds(t0));
  }
  if (remove) {
    std::filesystem::remove(file);
    std::filesystem::remove(file.string() + "-wal");
    std::filesystem::remove(file.string() + "-shm");
  }
  return check->intact() && after->intact() ? 0 : 1;
}
