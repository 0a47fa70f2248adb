// SPDX-License-Identifier: Apache-2.0
// The codes allowed in the issuing-State and nationality fields (ICAO 9303
// Part 3 §5): ISO 3166-1 alpha-3 plus ICAO's additions (D for Germany, GBD,
// EUE, UNO, XXA, ...). The table is compiled in from data/icao_codes.txt, so
// lookups do no I/O and are safe from any thread.
#ifndef TDV_MRZ_COUNTRY_CODES_H_
#define TDV_MRZ_COUNTRY_CODES_H_

#include <span>
#include <string_view>

namespace tdv::mrz {

enum class CodeCategory {
  kIso3166,   // an ISO 3166-1 alpha-3 code
  kIcao,      // an ICAO 9303 Part 3 addition (D, GBD, EUE, UNO, XXA, ...)
  kSpecimen,  // UTO, used only on ICAO specimens
  kNonIcao,   // seen on real documents but not in ICAO's list (XXK)
};

struct CountryCode {
  std::string_view code;  // without fillers: "D", "UTO"
  CodeCategory category;
  std::string_view name;
};

// Looks `code` up; trailing '<' fillers are ignored ("D<<" finds Germany).
// Returns nullptr for an unknown code.
const CountryCode* FindCountryCode(std::string_view code) noexcept;

// Every known code, sorted by code.
std::span<const CountryCode> AllCountryCodes() noexcept;

}  // namespace tdv::mrz

#endif  // TDV_MRZ_COUNTRY_CODES_H_
