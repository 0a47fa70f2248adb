// SPDX-License-Identifier: Apache-2.0
// ICAO 9303 specimen MRZs (issuing state UTO), shared by the tests above mrz.
#ifndef TDV_TESTS_SUPPORT_SPECIMENS_H_
#define TDV_TESTS_SUPPORT_SPECIMENS_H_

namespace tdv::testing {

// Part 4 specimen passport; expires 2012-04-15.
inline constexpr const char* kTd3Specimen =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
// The same with the document-number check digit broken (6 -> 7).
inline constexpr const char* kTd3BadCheck =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C37UTO7408122F1204159ZE184226B<<<<<10";
// Part 5 specimen card.
inline constexpr const char* kTd1Specimen =
    "I<UTOD231458907<<<<<<<<<<<<<<<\n"
    "7408122F1204159UTO<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
// A non-specimen card (Moldova) that never expires.
inline constexpr const char* kTd1NoExpiry =
    "I<MDA1234567897<<<<<<<<<<<<<<<\n"
    "7408122F<<<<<<0MDA<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

}  // namespace tdv::testing

#endif  // TDV_TESTS_SUPPORT_SPECIMENS_H_
