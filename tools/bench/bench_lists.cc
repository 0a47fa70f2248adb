// SPDX-License-Identifier: Apache-2.0
// Lost-and-stolen lists at scale: import, index build, lookup latency,
// memory per record.
//   bench_lists [--records N] [--store URL] [--lookups N] [--import no]
//               [--compare OTHER_BENCH_LISTS]
// Default: 10,000,000 generated records into a fresh SQLite file in /tmp.
// Records are generated as they are written and lookups drawn from the same
// generator, so nothing but the index is held: 128 million fit.
// Prints one line per figure; the exit code is 0 unless something failed.
// With --compare, the other build's bench_lists runs first with the same
// options (one after the other: the machine's two cores are not shared
// between them), and the same-run ratios, this build over the other, close
// the output. `--import no` skips the import and measures the list a run
// with the same --records and --store left there (the index build and the
// lookups again, in minutes rather than a quarter of an hour at 128 million).
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

// The figures both builds print, by label, as read from one's output.
struct Figures {
  double import_s = 0, build_s = 0, bytes = 0, exact_p50 = 0, exact_p99 = 0, alike_p50 = 0,
         alike_p99 = 0;
};

// Reads the figures from one line of bench_lists output (any build since
// the figures' wording of 2026-11-29).
void Parse(const char* line, Figures& f) {
  double a = 0, b = 0;
  if (std::sscanf(line, "import: %lf s", &a) == 1) f.import_s = a;
  if (std::sscanf(line, "index build (scan + sort): %lf s", &a) == 1) f.build_s = a;
  if (const char* at = std::strstr(line, " records = "); at && std::strstr(line, "bytes/record"))
    if (std::sscanf(at, " records = %lf", &a) == 1) f.bytes = a;
  const char* stats = std::strstr(line, ": p50 ");
  if (stats == nullptr || std::sscanf(stats, ": p50 %lf us, p99 %lf us", &a, &b) != 2) return;
  if (std::strncmp(line, "exact lookup:", 13) == 0) f.exact_p50 = a, f.exact_p99 = b;
  if (std::strncmp(line, "look-alike lookup", 17) == 0) f.alike_p50 = a, f.alike_p99 = b;
}

// Runs the other build's benchmark with `args` and reads its figures; its
// output is passed through, each line marked as the other build's.
bool RunOther(const std::string& binary, const std::string& args, Figures& f) {
  const std::string cmd = "'" + binary + "'" + args;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return false;
  char line[1024];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::printf("[other] %s", line);
    Parse(line, f);
  }
  std::fflush(stdout);
  return ::pclose(p) == 0;
}

void PrintRatio(const char* what, double mine, double other) {
  if (other > 0 && mine > 0)
    std::printf("ratio %s: %.2f (this %.2f, other %.2f)\n", what, mine / other, mine, other);
  else
    std::printf("ratio %s: not measured by both\n", what);
}

double Percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * double(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = 10'000'000, lookups = 1'000'000;
  std::string url, other;
  bool import = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records"))
      n = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--store"))
      url = argv[i + 1];
    else if (!std::strcmp(argv[i], "--lookups"))
      lookups = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--compare"))
      other = argv[i + 1];
    else if (!std::strcmp(argv[i], "--import"))
      import = std::strcmp(argv[i + 1], "no") != 0;
  }
  if (n == 0 || lookups == 0)
    return std::fprintf(stderr, "--records and --lookups: 1 or more\n"), 2;
  Figures theirs, mine;
  if (!other.empty()) {
    std::string args = " --records " + std::to_string(n) + " --lookups " + std::to_string(lookups);
    if (!url.empty()) args += " --store '" + url + "'";
    if (!import) args += " --import no";
    if (!RunOther(other, args, theirs))
      return std::fprintf(stderr, "%s failed\n", other.c_str()), 1;
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

  // Import: one full replacement of a fresh list, committed (with --import
  // no, the list an earlier run left in --store is used as it is).
  auto t0 = Clock::now();
  if (import) {
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
  if (import) {
    std::printf("import: %.1f s (%.0f records/s)\n", Seconds(t0, t1), double(n) / Seconds(t0, t1));
    mine.import_s = Seconds(t0, t1);
  }

  const long rss_before = MaxRssKb();
  tdv::lists::ListIndex index;
  auto t2 = Clock::now();
  if (auto st = index.Load(store); !st)
    return std::fprintf(stderr, "%s\n", st.error().message.c_str()), 1;
  auto t3 = Clock::now();
  std::printf("index build (scan + sort): %.1f s\n", Seconds(t2, t3));
  mine.build_s = Seconds(t2, t3);
  const double per = double(index.MemoryBytes()) / double(index.record_count());
  mine.bytes = per;
  std::printf(
      "index memory: %zu bytes for %lld records = %.1f bytes/record (peak RSS %ld MB, before load "
      "%ld MB)\n",
      index.MemoryBytes(), static_cast<long long>(index.record_count()), per, MaxRssKb() / 1024,
      rss_before / 1024);
  std::printf("extrapolated to 100,000,000 records: %.1f GB of index\n", per * 1e8 / 1e9);

  // Lookups: half listed (hits), half not; then look-alike misreads.
  std::mt19937_64 rng(7);
  auto time_lookups = [&](const char* label, auto make_query, double* p50_out, double* p99_out) {
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
    if (p50_out != nullptr) *p50_out = p50 / 1e3, *p99_out = p99 / 1e3;
  };
  const auto exact = [&](std::uint64_t k) {
    const auto r = Make(k % 2 ? rng() % n : n + rng() % n);  // odd: listed; even: not
    return tdv::lists::LookupQuery{r.issuing_state, r.document_type, r.document_number};
  };
  // The first pass runs on the index as its build left it; the second, as a
  // service's index is after a while of lookups.
  time_lookups("exact lookup", exact, &mine.exact_p50, &mine.exact_p99);
  time_lookups("exact lookup again (warm)", exact, nullptr, nullptr);
  time_lookups(
      "look-alike lookup (one 0/O-style misread)",
      [&](std::uint64_t) {
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
      },
      &mine.alike_p50, &mine.alike_p99);
  if (!path.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  }
  if (!other.empty()) {
    PrintRatio("import s", mine.import_s, theirs.import_s);
    PrintRatio("index build s", mine.build_s, theirs.build_s);
    PrintRatio("bytes/record", mine.bytes, theirs.bytes);
    PrintRatio("exact p50 us", mine.exact_p50, theirs.exact_p50);
    PrintRatio("exact p99 us", mine.exact_p99, theirs.exact_p99);
    PrintRatio("look-alike p50 us", mine.alike_p50, theirs.alike_p50);
    PrintRatio("look-alike p99 us", mine.alike_p99, theirs.alike_p99);
  }
  return 0;
}
