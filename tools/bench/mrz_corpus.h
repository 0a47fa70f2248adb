// SPDX-License-Identifier: Apache-2.0
// Synthetic, valid MRZs of every format for benchmarks: fictitious holders,
// real check digits, issuing states from the ICAO list.
#ifndef TDV_TOOLS_BENCH_MRZ_CORPUS_H_
#define TDV_TOOLS_BENCH_MRZ_CORPUS_H_

#include <random>
#include <string>
#include <vector>

#include "tdv/mrz/check_digit.h"

namespace tdv::bench {

inline std::string Digit(std::string_view s) {
  return std::string(1, static_cast<char>('0' + mrz::ComputeCheckDigit(s)));
}

// `count` MRZ texts (lines joined by '\n'), cycling TD1, TD2, TD3, MRV-A, MRV-B.
inline std::vector<std::string> MakeCorpus(std::size_t count, unsigned seed = 42) {
  static const char* kStates[] = {"D<<", "FRA", "GBR", "USA", "NLD",
                                  "BEL", "ITA", "ESP", "SWE", "CAN"};
  static const char* kSurnames[] = {"MUSTERMANN", "DUPONT", "ROSSI", "JANSEN",
                                    "NOWAK",      "SILVA",  "OKAFOR"};
  static const char* kGiven[] = {"ERIKA",      "JEAN<PIERRE", "MARIA", "PIET",
                                 "ANNA<MARIA", "JOAO",        "CHIDI"};
  std::mt19937 rng(seed);
  auto pick = [&](auto& arr) { return std::string(arr[rng() % std::size(arr)]); };
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
    return s;
  };
  auto alnum = [&](int n) {
    static const char kA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kA[rng() % 36]);
    return s;
  };
  auto date = [&](int y0, int span) {
    char b[7];
    std::snprintf(b, sizeof b, "%02u%02u%02u", unsigned(y0 + int(rng() % unsigned(span))) % 100,
                  unsigned(1 + rng() % 12), unsigned(1 + rng() % 28));
    return std::string(b);
  };
  auto pad = [](std::string s, std::size_t n) {
    s.resize(n, '<');
    return s;
  };
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string state = pick(kStates);
    const std::string name = pick(kSurnames) + "<<" + pick(kGiven);
    const std::string number = alnum(9), birth = date(50, 50), expiry = date(27, 10);
    const std::string sex = (rng() % 2) ? "F" : "M";
    const std::string nd = number + Digit(number), bd = birth + Digit(birth),
                      ed = expiry + Digit(expiry);
    switch (i % 5) {
      case 0: {  // TD1
        const std::string opt1 = pad(digits(6), 15), opt2 = pad("", 11);
        const std::string l1 = pad("ID" + state + nd + opt1, 30);
        const std::string l2_body = bd + sex + ed + state + opt2;
        const std::string composite = Digit(l1.substr(5, 25) + bd + ed + opt2);
        out.push_back(l1 + "\n" + l2_body + composite + "\n" + pad(name, 30));
        break;
      }
      case 1: {  // TD2
        const std::string opt = pad("", 7);
        const std::string composite = Digit(nd + bd + ed + opt);
        out.push_back(pad("I<" + state + name, 36) + "\n" + nd + state + bd + sex + ed + opt +
                      composite);
        break;
      }
      case 2: {  // TD3
        const std::string personal = pad(digits(8), 14);
        const std::string pd = personal + Digit(personal);
        const std::string composite = Digit(nd + bd + ed + pd);
        out.push_back(pad("P<" + state + name, 44) + "\n" + nd + state + bd + sex + ed + pd +
                      composite);
        break;
      }
      case 3:  // MRV-A
        out.push_back(pad("V<" + state + name, 44) + "\n" + nd + state + bd + sex + ed +
                      pad("", 16));
        break;
      default:  // MRV-B
        out.push_back(pad("V<" + state + name, 36) + "\n" + nd + state + bd + sex + ed +
                      pad("", 8));
        break;
    }
  }
  return out;
}

}  // namespace tdv::bench

#endif  // TDV_TOOLS_BENCH_MRZ_CORPUS_H_
