// SPDX-License-Identifier: Apache-2.0
// Parse + full validation throughput, one thread, a mix of all five formats.
//   build/tools/bench/bench_mrz_parse [--benchmark_min_time=2]
// Prints items_per_second (= MRZ/s) per benchmark.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "mrz_corpus.h"
#include "tdv/mrz/mrz.h"
#include "tdv/mrz/repair.h"

namespace {

using tdv::mrz::CivilDate;
using tdv::mrz::ParseOptions;

ParseOptions Options() {
  ParseOptions o;
  o.today = CivilDate{2026, 11, 28};
  return o;
}

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string> corpus = [] {
    auto c = tdv::bench::MakeCorpus(10000);
    // The corpus must be valid, or the benchmark measures the error path.
    for (const auto& text : c) {
      auto m = tdv::mrz::ParseMrz(text, Options());
      if (!m || !m->valid()) {
        std::fprintf(stderr, "bench corpus MRZ is not valid:\n%s\n", text.c_str());
        std::abort();
      }
    }
    return c;
  }();
  return corpus;
}

// Parses the corpus round and round; items_per_second = MRZ/s.
void ParseLoop(benchmark::State& state, const std::vector<std::string>& corpus) {
  const ParseOptions options = Options();
  std::size_t i = 0;
  for (auto _ : state) {
    auto m = tdv::mrz::ParseMrz(corpus[i], options);
    benchmark::DoNotOptimize(m);
    if (++i == corpus.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseValidateMix(benchmark::State& state) {
  ParseLoop(state, Corpus());
  state.SetLabel("MRZ/s = items_per_second");
}
BENCHMARK(BM_ParseValidateMix);

// The same MRZs with one broken check digit each: the error path.
void BM_ParseInvalidMix(benchmark::State& state) {
  std::vector<std::string> corpus = Corpus();
  for (auto& text : corpus) {
    char& c = text[text.find('\n') + 1];
    c = c == '9' ? '0' : static_cast<char>(c + 1);
  }
  ParseLoop(state, corpus);
}
BENCHMARK(BM_ParseInvalidMix);

// Repair of a TD3 with one misread document-number character.
void BM_RepairOneError(benchmark::State& state) {
  std::vector<std::string> lines = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                    "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
  lines[1][16] = '3';
  for (auto _ : state) {
    auto r = tdv::mrz::RepairMrzText(lines);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RepairOneError);

}  // namespace

BENCHMARK_MAIN();
