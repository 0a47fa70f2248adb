// SPDX-License-Identifier: Apache-2.0
// Prints the benchmark corpus as one JSON array of MRZ texts, so that peers
// in other languages are measured on exactly the same input.
//   mrz_corpus_dump [COUNT]
#include <cstdio>
#include <cstdlib>

#include "mrz_corpus.h"

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10000;
  if (count <= 0) {
    std::fprintf(stderr, "usage: mrz_corpus_dump [COUNT>0]\n");
    return 2;
  }
  const auto corpus = tdv::bench::MakeCorpus(static_cast<std::size_t>(count));
  std::printf("[");
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    std::printf("%s\"", i ? ",\n" : "\n");
    for (char c : corpus[i]) std::fputs(c == '\n' ? "\\n" : std::string(1, c).c_str(), stdout);
    std::printf("\"");
  }
  std::printf("\n]\n");
  return 0;
}
