// SPDX-License-Identifier: Apache-2.0
// OPRF(P-256, SHA-256) throughput: each step of the partner exchange
// (docs/exchange.md) on one thread and on every core, as operations per
// second and their ratio to BlindEvaluate (the partner endpoint's work).
//
//   bench_oprf [SECONDS_PER_STEP]   (default 2)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tdv/sig/oprf.h"

namespace {

using tdv::sig::oprf::Bytes;
using Clock = std::chrono::steady_clock;

// Operations per second of `op` over `seconds` on `threads` threads.
double Rate(const std::function<bool(int)>& op, double seconds, int threads) {
  std::atomic<long> done{0};
  std::atomic<bool> failed{false};
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      long n = 0;
      for (int i = t * 1000000; Clock::now() < end; ++i, ++n)
        if (!op(i)) failed = true;
      done += n;
    });
  }
  for (auto& th : pool) th.join();
  if (failed) {
    std::fprintf(stderr, "bench_oprf: an operation failed\n");
    std::exit(1);
  }
  return static_cast<double>(done.load()) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

Bytes Input(int i) {
  const std::string s = "E|D|P|C01X" + std::to_string(1000000 + i);
  return Bytes(s.begin(), s.end());
}

}  // namespace

int main(int argc, char** argv) {
  namespace oprf = tdv::sig::oprf;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto key = oprf::RandomKey();
  auto blinded = oprf::Blind(Input(0));
  auto evaluated = blinded ? oprf::BlindEvaluate(*key, blinded->element) : blinded.error();
  if (!key || !blinded || !evaluated) {
    std::fprintf(stderr, "bench_oprf: setup failed\n");
    return 1;
  }
  struct Step {
    const char* name;
    std::function<bool(int)> op;
  };
  const Step steps[] = {
      {"blind (client)", [](int i) { return oprf::Blind(Input(i)).has_value(); }},
      {"blind_evaluate (server)",
       [&](int) { return oprf::BlindEvaluate(*key, blinded->element).has_value(); }},
      {"finalize (client)",
       [&](int) { return oprf::Finalize(Input(0), blinded->blind, *evaluated).has_value(); }},
      {"evaluate (server, publishing)",
       [&](int i) { return oprf::Evaluate(*key, Input(i)).has_value(); }},
  };
  std::printf("%-32s %12s %12s %10s\n", "step", "1 thread/s", "all cores/s", "cores");
  double base = 0;
  std::vector<double> rates;
  for (const Step& s : steps) {
    const double one = Rate(s.op, seconds, 1);
    const double all = Rate(s.op, seconds, cores);
    rates.push_back(one);
    if (std::string(s.name).rfind("blind_evaluate", 0) == 0) base = one;
    std::printf("%-32s %12.0f %12.0f %10d\n", s.name, one, all, cores);
  }
  std::printf("\nratio to blind_evaluate, one thread:");
  for (std::size_t i = 0; i < rates.size(); ++i)
    std::printf(" %s %.2f", steps[i].name, base / rates[i]);
  std::printf("\n");
  return 0;
}
