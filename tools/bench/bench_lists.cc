// SPDX-License-Identifier: Apache-2.0
// Lost-and-stolen lists at scale: import, index build, lookup latency,
// memory per record.
//   bench_lists [--records N] [--store URL] [--lookups N]
// Default: 10,000,000 generated records into a fresh SQLite file in /tmp.
// Prints one line per figure; the exit code is 0 unless something failed.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tdv/lists/list_index.h"
#include "tdv/lists/list_store.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

long MaxRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

const char* kStates[] = {"D",   "FRA", "NLD", "BEL", "ITA", "ESP",
                         "GBR", "USA", "CAN", "POL", "SWE", "AUT"};
const char* kTypes[] = {"P", "P", "P", "ID", "I", "V"};

// Record i, deterministic: 9-character alphanumeric numbers, distinct for
// every i below 36^9 (an affine permutation of i modulo 36^9, written in
// base 36): hashed at random would repeat a number (state and type alike)
// about once in 128 million, which a full import refuses as a duplicate.
tdv::lists::ListRecord Make(std::uint64_t i) {
  static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  constexpr unsigned __int128 kSpace = 101'559'956'668'416u;  // 36^9
  constexpr unsigned __int128 kMul = 0x9E3779B97F4A7C15u;     // odd, not a multiple of 3
  std::uint64_t x = static_cast<std::uint64_t>((kMul * i + 0x632BE59BD9B4E019u) % kSpace);
  tdv::lists::ListRecord r;
  r.issuing_state = kStates[i % std::size(kStates)];
  r.document_type = kTypes[(i / 7) % std::size(kTypes)];
  r.document_number.resize(9);
  for (int k = 8; k >= 0; --k) {
    r.document_number[static_cast<std::size_t>(k)] = kAlnum[x % 36];
    x /= 36;
  }
  r.status = static_cast<tdv::lists::RecordStatus>(i % 5);
  return r;
}

double Percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * double(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = 10'000'000, lookups = 1'000'000;
  std::string url;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records"))
      n = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--store"))
      url = argv[i + 1];
    else if (!std::strcmp(argv[i], "--lookups"))
      lookups = std::stoull(argv[i + 1]);
  }
  std::string path;
  if (url.empty()) {
    path = "/tmp/tdv-bench-lists-" + std::to_string(::getpid()) + ".db";
    url = "sqlite:" + path;
  }
  auto opened = tdv::lists::OpenStore(url);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;
  std::printf("store: %s, records: %llu\n", store.kind(), static_cast<unsigned long long>(n));

  // Import: one full replacement of a fresh list, committed.
  auto t0 = Clock::now();
  {
    auto session = store.BeginImport({"bench", "BENCH", "bench", false});
    if (!session) return std::fprintf(stderr, "%s\n", session.error().message.c_str()), 1;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (auto st = (*session)->Add(tdv::lists::ChangeOp::kUpsert, Make(i)); !st) {
        // Generated numbers may collide; that is the file's duplicate rule.
        std::fprintf(stderr, "record %llu: %s\n", static_cast<unsigned long long>(i),
                     st.error().message.c_str());
        return 1;
      }
    }
    auto summary = (*session)->Commit();
    if (!summary) return std::fprintf(stderr, "commit: %s\n", summary.error().message.c_str()), 1;
  }
  auto t1 = Clock::now();
  std::printf("import: %.1f s (%.0f records/s)\n", Seconds(t0, t1), double(n) / Seconds(t0, t1));

  const long rss_before = MaxRssKb();
  tdv::lists::ListIndex index;
  auto t2 = Clock::now();
  if (auto st = index.Load(store); !st)
    return std::fprintf(stderr, "%s\n", st.error().message.c_str()), 1;
  auto t3 = Clock::now();
  std::printf("index build (scan + sort): %.1f s\n", Seconds(t2, t3));
  const double per = double(index.MemoryBytes()) / double(index.record_count());
  std::printf(
      "index memory: %zu bytes for %lld records = %.1f bytes/record (peak RSS %ld MB, before load "
      "%ld MB)\n",
      index.MemoryBytes(), static_cast<long long>(index.record_count()), per, MaxRssKb() / 1024,
      rss_before / 1024);
  std::printf("extrapolated to 100,000,000 records: %.1f GB of index\n", per * 1e8 / 1e9);

  // Lookups: half listed (hits), half not; then look-alike misreads.
  std::mt19937_64 rng(7);
  auto time_lookups = [&](const char* label, auto make_query) {
    std::vector<double> ns;
    ns.reserve(lookups);
    std::size_t hits = 0;
    for (std::uint64_t k = 0; k < lookups; ++k) {
      const tdv::lists::LookupQuery q = make_query(k);
      const auto a = Clock::now();
      const auto h = index.Lookup(q);
      const auto b = Clock::now();
      hits += h.empty() ? 0 : 1;
      ns.push_back(std::chrono::duration<double, std::nano>(b - a).count());
    }
    const double p50 = Percentile(ns, 0.50), p99 = Percentile(ns, 0.99),
                 p999 = Percentile(ns, 0.999);
    std::printf("%s: p50 %.2f us, p99 %.2f us, p99.9 %.2f us (%zu of %llu found)\n", label,
                p50 / 1e3, p99 / 1e3, p999 / 1e3, hits, static_cast<unsigned long long>(lookups));
  };
  time_lookups("exact lookup", [&](std::uint64_t k) {
    const auto r = Make(k % 2 ? rng() % n : n + rng() % n);  // odd: listed; even: not
    return tdv::lists::LookupQuery{r.issuing_state, r.document_type, r.document_number};
  });
  time_lookups("look-alike lookup (one 0/O-style misread)", [&](std::uint64_t) {
    auto r = Make(rng() % n);
    for (char& c : r.document_number) {
      const char m = c == '0'   ? 'O'
                     : c == 'O' ? '0'
                     : c == '1' ? 'I'
                     : c == 'I' ? '1'
                     : c == '8' ? 'B'
                     : c == 'B' ? '8'
                                : 0;
      if (m) {
        c = m;
        break;
      }
    }
    return tdv::lists::LookupQuery{r.issuing_state, r.document_type, r.document_number};
  });
  if (!path.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  }
  return 0;
}
