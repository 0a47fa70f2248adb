// SPDX-License-Identifier: Apache-2.0
// Lost-and-stolen document lists: the records partner agencies share, and
// the keys TDV looks them up by.
//
// A list belongs to one source (the agency that shares it); only that source
// may change it. A record names one document by issuing state, document type
// and number. Numbers are compared by their normalised key (upper case,
// fillers and separators removed) and, for "possible match" lookups, by a
// confusion key in which OCR look-alikes (0/O/Q/D, 1/I/L, 2/Z, 5/S, 6/G, 8/B)
// collapse to one character (../shared/reference/lists-and-border-checks.md
// §6).
#ifndef TDV_LISTS_RECORD_H_
#define TDV_LISTS_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tdv/mrz/date.h"

namespace tdv::lists {

enum class RecordStatus : std::uint8_t { kLost, kStolen, kStolenBlank, kRevoked, kInvalidated };

// "lost", "stolen", "stolen_blank", "revoked", "invalidated".
const char* RecordStatusName(RecordStatus status) noexcept;
// Accepts the names above, case-insensitive, '-' or ' ' for '_'.
std::optional<RecordStatus> ParseRecordStatus(std::string_view text) noexcept;

struct ListRecord {
  std::string issuing_state;    // ICAO code without fillers: "D", "FRA"
  std::string document_type;    // document code as in the MRZ: "P", "ID", "V"; '<' dropped
  std::string document_number;  // normalised (see NormalizeNumber)
  RecordStatus status = RecordStatus::kLost;
  // Optional details.
  std::string reporting_agency;
  std::optional<mrz::CivilDate> date_reported;
  std::optional<mrz::CivilDate> expiry_date;
  std::optional<mrz::CivilDate> review_date;
  std::string national_reference;
  std::string reason;
};

// Upper case; removes '<', spaces, '-', '/', '.'. Returns "" when anything
// else outside A-Z 0-9 remains (not a document number).
std::string NormalizeNumber(std::string_view number);

// NormalizeNumber, then every look-alike mapped to its group's character
// (O,Q,D->0; I,L->1; Z->2; S->5; G->6; B->8).
std::string ConfusionKey(std::string_view normalized_number);
char ConfusionChar(char c) noexcept;

// Pairs of symbols whose MRZ values differ by a multiple of 10, so that they
// weigh the same in every check digit (no check digit can catch one read as
// the other), and that OCR-B makes look alike: measured with the glyph model
// (tools/train/train_glyph_model --pairs: mean glyph shapes within 0.75 of
// the median pair's distance, or among the five pairs the model confuses
// most). Not folded into ConfusionKey's groups: S/8 there would also join
// 5 and 8, which do not look alike.
inline constexpr std::pair<char, char> kEqualWeightLookAlikes[] = {
    {'S', '8'}, {'U', '0'}, {'Q', '6'}, {'G', 'Q'}, {'F', 'P'}, {'H', 'R'}};

// Whether a listed number may be a misreading of another of the same length
// or the other way: every position equal, in one ConfusionKey group, or an
// equal-weight look-alike pair.
bool LooksAlike(std::string_view a, std::string_view b) noexcept;

// The look-alike class of a character: one representative for every
// character linked to it by ConfusionChar groups or equal-weight pairs,
// taken transitively ({0 O Q D U G 6}, {5 S 8 B}, {1 I L}, {2 Z}, {F P},
// {H R}; others stand for themselves). Coarser than LooksAlike, which is
// not transitive (5 and 8 are in one class, yet 5 is no look-alike of 8):
// a list index keys every number by its class key, finds candidates in one
// probe, and keeps those LooksAlike confirms.
char LookAlikeClass(char c) noexcept;
std::string LookAlikeClassKey(std::string_view normalized_number);

// The confusion keys a number may have been misread from: its own
// ConfusionKey first, then one per single substitution of an equal-weight
// look-alike (S0002068 for 80002068), without repeats.
std::vector<std::string> LookAlikeKeys(std::string_view normalized_number);

// The document family a type belongs to for matching: the first letter of
// the code ("P", "I", "A", "C", "V"), "" when unknown. A passport record
// matches a document with code "PD" or "P<".
std::string TypeFamily(std::string_view document_type);

// A list as the store knows it.
struct ListInfo {
  std::string name;
  std::string source;        // the agency that owns it
  std::int64_t version = 0;  // incremented by every import or change
  std::string updated_at;    // RFC 3339 UTC
  std::int64_t record_count = 0;
};

}  // namespace tdv::lists

#endif  // TDV_LISTS_RECORD_H_
